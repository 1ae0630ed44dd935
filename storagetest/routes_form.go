package storagetest

// formRoutes are the browser form-upload (POST Object) routes.
func (s *Server) formRoutes() []route { return nil }
