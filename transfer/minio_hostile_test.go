package transfer

import (
	"strconv"
	"testing"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/miniotest"
)

// TestMinIOHostile uploads to MinIO through proxies that make it refuse
// or ignore additional checksums: the uploads fall back to Content-MD5,
// which MinIO checks (see hostileRealServer).
func TestMinIOHostile(t *testing.T) {
	srv := miniotest.Shared(t)
	c, err := client.New(client.S3, client.WithEndpoint(srv.URL), client.WithRegion(srv.Region),
		client.WithStaticCredentials(srv.AccessKey, srv.SecretKey, ""))
	if err != nil {
		t.Fatal(err)
	}
	bkt := "hostile-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if _, err := bucket.NewClient(c).Create(ctxT(t), &bucket.CreateInput{Bucket: bkt}); err != nil {
		t.Fatal(err)
	}
	m, err := New(NewClientAPI(c), WithPartSize(minioPartSize))
	if err != nil {
		t.Fatal(err)
	}
	hostileRealServer(t, srv.URL, srv.Region, srv.AccessKey, srv.SecretKey, bkt, m)
}
