// Package storagetest provides an in-memory object-storage server for tests,
// in the spirit of net/http/httptest.
//
// A Server listens on a loopback port and speaks one polystore dialect:
// QingStor's native JSON API, Tencent COS, AWS S3 or IBM Cloud Object
// Storage (S3 plus IBM IAM bearer tokens). Responses, error bodies, error
// codes and request-id headers follow the dialect, and signed requests are
// checked with the signer package's verifiers against the server's key pair:
//
//	srv := storagetest.NewServer(client.S3)
//	defer srv.Close()
//	c, err := srv.Client() // endpoint, region and credentials preset
//
// Requests use path-style addressing, http://127.0.0.1:PORT/bucket/key,
// which is what the polystore client sends to a custom endpoint.
//
// Besides serving requests, a Server records them (Requests), counts the
// most requests in flight at once (MaxConcurrent) and injects faults
// (InjectFault): error answers, connection resets part-way through an
// upload and delays that end when the client gives up. An IBM IAM token
// endpoint is emulated at POST {URL}/identity/token.
//
// Supported operations: list buckets; create, head and delete bucket;
// put, get (with Range and conditional headers), head and delete object;
// list objects (S3 v1 and v2, COS, QingStor). Other operations answer with
// the dialect's "not implemented" error.
package storagetest
