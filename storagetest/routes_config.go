package storagetest

// configRoutes are the bucket configuration routes (lifecycle, website,
// public access block, IBM protection and backup policies, QingStor
// mirror, ...).
func (s *Server) configRoutes() []route { return nil }
