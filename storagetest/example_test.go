package storagetest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/storagetest"
)

// A test starts a server for the dialect it exercises and points a
// polystore client at it.
func ExampleNewServer() {
	srv := storagetest.NewServer(client.QingStor)
	defer srv.Close()

	c, err := srv.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Dialect().Name, c.Options().Region, c.Options().Endpoint == srv.URL)
	// Output: qingstor pek3b true
}

// With AllowAnonymous, plain HTTP requests work too; every request is
// logged.
func ExampleServer_Requests() {
	srv := storagetest.NewServer(client.S3, func(o *storagetest.Options) { o.AllowAnonymous = true })
	defer srv.Close()

	for _, r := range []struct{ method, path, body string }{
		{http.MethodPut, "/photos", ""},
		{http.MethodPut, "/photos/cat.jpg", "meow"},
		{http.MethodGet, "/photos/dog.jpg", ""},
	} {
		req, _ := http.NewRequest(r.method, srv.URL+r.path, strings.NewReader(r.body))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	for _, r := range srv.Requests() {
		fmt.Println(r.Op, r.Bucket, r.Key, r.Status, r.Code, r.BodySize)
	}
	// Output:
	// CreateBucket photos  200  0
	// PutObject photos cat.jpg 200  4
	// GetObject photos dog.jpg 404 NoSuchKey 0
}

// InjectFault makes the next matching request fail, here with a 503 in the
// dialect's own error format, so that retry logic can be tested.
func ExampleServer_InjectFault() {
	srv := storagetest.NewServer(client.COS, func(o *storagetest.Options) { o.AllowAnonymous = true })
	defer srv.Close()

	srv.InjectFault(storagetest.Fault{Status: http.StatusServiceUnavailable, RetryAfter: "1"})
	for range 2 {
		req, _ := http.NewRequest(http.MethodPut, srv.URL+"/logs-1250000000", nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		res.Body.Close()
		fmt.Println(res.StatusCode, res.Header.Get("Retry-After"))
	}
	// Output:
	// 503 1
	// 200
}

// ErrorIn200 makes an operation fail inside a "200 OK" answer, as S3's
// CompleteMultipartUpload can: clients must read the body to notice.
func ExampleFault_errorIn200() {
	srv := storagetest.NewServer(client.S3, func(o *storagetest.Options) { o.AllowAnonymous = true })
	defer srv.Close()

	srv.InjectFault(storagetest.Fault{
		Match:      func(r *http.Request) bool { return r.Method == http.MethodPost },
		ErrorIn200: true,
		Code:       "InternalError",
	})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/photos/cat.jpg?uploadId=abc", strings.NewReader("<CompleteMultipartUpload/>"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println(res.StatusCode, strings.Contains(string(body), "<Code>InternalError</Code>"))
	for _, r := range srv.Requests() {
		fmt.Println(r.Op, r.Status, r.Code)
	}
	// Output:
	// 200 true
	// CompleteMultipartUpload 200 InternalError
}
