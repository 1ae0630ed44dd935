package conformance

import (
	"crypto/tls"
	"crypto/x509"
	"slices"
	"strconv"
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/miniotest"
	"github.com/polystore/polystore/storagetest"
)

func TestMain(m *testing.M) { miniotest.Main(m) }

// storagetestObserver reads a storagetest server's log.
type storagetestObserver struct{ srv *storagetest.Server }

func (o storagetestObserver) RequestCount() int { return len(o.srv.Requests()) }

func (o storagetestObserver) PartNumbersUploaded(key string) []int {
	var parts []int
	for _, r := range o.srv.Requests() {
		if r.Op == "UploadPart" && r.Key == key {
			if n, err := strconv.Atoi(r.Query.Get(o.srv.Dialect().Params.PartNumber)); err == nil {
				parts = append(parts, n)
			}
		}
	}
	return parts
}

// onStoragetest runs the suite against a fresh storagetest server.
func onStoragetest(t *testing.T, d client.Dialect) {
	srv := storagetest.NewServer(d)
	t.Cleanup(srv.Close)
	Run(t, Harness{
		Name: d.Name + "/storagetest",
		NewClient: func(t *testing.T, optFns ...func(*client.Options)) *client.Client {
			c, err := srv.Client(optFns...)
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		Observer: storagetestObserver{srv},
	})
}

// onMinIO runs the suite against the shared real MinIO server.
func onMinIO(t *testing.T, d client.Dialect, skip map[string]string) {
	srv := miniotest.Shared(t)
	onRealServer(t, d, "minio", realServer{srv.URL, srv.Region, srv.AccessKey, srv.SecretKey, srv.RootCAs}, skip)
}

// onMinIOTLS runs the suite against a MinIO server of its own on https,
// through the client's default transport trusting the server's CA: what
// a user of a real endpoint runs (UNSIGNED-PAYLOAD with checksums,
// trailers where asked for, no sendfile).
func onMinIOTLS(t *testing.T, d client.Dialect, skip map[string]string) {
	srv := miniotest.StartTLS(t)
	onRealServer(t, d, "minio-https", realServer{srv.URL, srv.Region, srv.AccessKey, srv.SecretKey, srv.RootCAs}, skip)
}

// realServer is where a real S3 server the tests started listens, and
// its keys; roots verifies its certificate on https (nil on http).
type realServer struct {
	url, region, accessKey, secretKey string
	roots                             *x509.CertPool
}

// onRealServer runs the suite against srv, with S3's 5 MiB parts.
func onRealServer(t *testing.T, d client.Dialect, name string, srv realServer, skip map[string]string) {
	base := []func(*client.Options){
		client.WithEndpoint(srv.url), client.WithRegion(srv.region),
		client.WithStaticCredentials(srv.accessKey, srv.secretKey, ""),
	}
	if srv.roots != nil {
		base = append(base, client.WithTLSConfig(&tls.Config{RootCAs: srv.roots}))
	}
	Run(t, Harness{
		Name: d.Name + "/" + name,
		NewClient: func(t *testing.T, optFns ...func(*client.Options)) *client.Client {
			c, err := client.New(d, append(slices.Clone(base), optFns...)...)
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		Skip:        skip,
		MinPartSize: 5 << 20,
	})
}
