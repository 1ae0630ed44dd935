package conformance

import (
	"crypto/tls"
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
	onMinIOServer(t, d, miniotest.Shared(t), "minio", skip)
}

// onMinIOTLS runs the suite against a MinIO server of its own on https,
// through the client's default transport trusting the server's CA: what
// a user of a real endpoint runs (UNSIGNED-PAYLOAD with checksums,
// trailers where asked for, no sendfile).
func onMinIOTLS(t *testing.T, d client.Dialect, skip map[string]string) {
	onMinIOServer(t, d, miniotest.StartTLS(t), "minio-https", skip)
}

func onMinIOServer(t *testing.T, d client.Dialect, srv *miniotest.Server, name string, skip map[string]string) {
	var base []func(*client.Options)
	if srv.RootCAs != nil {
		base = append(base, client.WithTLSConfig(&tls.Config{RootCAs: srv.RootCAs}))
	}
	Run(t, Harness{
		Name: d.Name + "/" + name,
		NewClient: func(t *testing.T, optFns ...func(*client.Options)) *client.Client {
			c, err := client.New(d, append(append([]func(*client.Options){
				client.WithEndpoint(srv.URL), client.WithRegion(srv.Region),
				client.WithStaticCredentials(srv.AccessKey, srv.SecretKey, ""),
			}, base...), optFns...)...)
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		Skip:        skip,
		MinPartSize: 5 << 20,
	})
}
