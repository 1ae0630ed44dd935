// Package h1 is polystore's own HTTP/1.1 client transport: an
// http.RoundTripper that writes a request and reads its response on the
// caller's goroutine. net/http's Transport runs two goroutines per
// connection and hands every request and response between them and the
// caller; for small requests those hand-offs cost more CPU than the
// request itself (see bench/README.md, "Against the floors"). This
// transport has no goroutine of its own: a connection is written to and
// read from only by the goroutine whose request holds it, and idle
// connections wait in a pool.
//
// It speaks HTTP/1.1 only (over TCP, or TLS dialled by Config.DialTLS),
// sends no proxy requests and decodes no content encoding: the client
// routes what needs those to net/http's Transport.
package h1
