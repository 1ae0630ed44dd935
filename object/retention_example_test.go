package object_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/polystore/polystore/bucket"
	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/object"
	"github.com/polystore/polystore/storagetest"
)

// An IBM bucket with a protection configuration keeps its objects for
// their retention period and for as long as they carry a legal hold.
func ExampleClient_AddLegalHold() {
	srv := storagetest.NewServer(client.IBM)
	defer srv.Close()
	c, _ := srv.Client()
	ctx := context.Background()

	buckets := bucket.NewClient(c)
	buckets.Create(ctx, &bucket.CreateInput{Bucket: "records"})
	buckets.PutProtection(ctx, &bucket.PutProtectionInput{Bucket: "records", Protection: &bucket.ProtectionConfiguration{
		Status: bucket.ProtectionRetention, MinimumRetentionDays: 1, DefaultRetentionDays: 30, MaximumRetentionDays: 365}})

	objects := object.NewClient(c)
	objects.Put(ctx, &object.PutInput{Bucket: "records", Key: "2024/ledger.csv", Body: strings.NewReader("a,b\n"),
		Retention: &client.Retention{Period: 7 * 24 * time.Hour}})
	if _, err := objects.AddLegalHold(ctx, &object.AddLegalHoldInput{Bucket: "records", Key: "2024/ledger.csv", ID: "case-2024-17"}); err != nil {
		fmt.Println(err)
		return
	}
	objects.ExtendRetention(ctx, &object.ExtendRetentionInput{Bucket: "records", Key: "2024/ledger.csv", AdditionalPeriod: 24 * time.Hour})

	out, err := objects.ListLegalHolds(ctx, &object.ListLegalHoldsInput{Bucket: "records", Key: "2024/ledger.csv"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("retention:", out.Retention.Period)
	for _, h := range out.Retention.LegalHolds {
		fmt.Println("legal hold:", h.ID)
	}
	_, err = objects.Delete(ctx, &object.DeleteInput{Bucket: "records", Key: "2024/ledger.csv"})
	fmt.Println("delete refused:", errors.Is(err, client.ErrAccessDenied))
	// Output:
	// retention: 192h0m0s
	// legal hold: case-2024-17
	// delete refused: true
}
