//go:build !linux

package h1

// connPeek holds nothing here: alive does not peek.
type connPeek struct{}

// alive reports whether an idle connection may be used: here, only that
// nothing unread is buffered. (A connection the server closed while idle
// fails the next request before its response, which is then sent again
// where that is safe; see Transport.RoundTrip.)
func (c *conn) alive() bool { return c.br.Buffered() == 0 }
