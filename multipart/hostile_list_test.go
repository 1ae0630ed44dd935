package multipart_test

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/polystore/polystore/client"
	"github.com/polystore/polystore/internal/paging"
	"github.com/polystore/polystore/internal/pagingtest"
	"github.com/polystore/polystore/multipart"
)

// TestHostileListParts runs the hostile-server scenarios of pagingtest
// (cycling markers, empty truncated pages forever, a repeated or backward
// part-number marker, the same page again) against ListParts on every
// dialect. QingStor's answer has no truncation flag or marker (a full page
// means more, the last part number is the marker), so only the scenarios
// its wire can express run there.
func TestHostileListParts(t *testing.T) {
	var wires []pagingtest.Wire
	for _, d := range allDialects {
		first := d.Limits.FirstPartNumber
		w := pagingtest.Wire{
			Name: "ListParts", Dialect: d, Order: paging.Numbers,
			// Part numbers from the dialect's first one.
			Item:   func(i int) string { return strconv.Itoa(first + i - 1) },
			Cursor: func(q url.Values) string { return q.Get(d.Object.ListPartsMarkerParam) },
			List: func(ctx context.Context, c *client.Client) iter.Seq2[string, error] {
				in := &multipart.ListPartsInput{Bucket: pagingtest.Bucket(d), Key: "big.bin", UploadID: "up-1", MaxParts: 2}
				return func(yield func(string, error) bool) {
					for p, err := range multipart.NewClient(c).ListParts(ctx, in) {
						if err != nil {
							yield("", err)
							return
						}
						if !yield(strconv.Itoa(p.PartNumber), nil) {
							return
						}
					}
				}
			},
		}
		if d.Codec == client.JSON {
			w.Derived = true
			w.Render = func(p pagingtest.Page) string {
				parts := make([]map[string]any, 0, len(p.Items))
				for _, n := range p.Items {
					num, _ := strconv.Atoi(n)
					parts = append(parts, map[string]any{"part_number": num, "etag": `"e` + n + `"`, "size": 5})
				}
				b, _ := json.Marshal(map[string]any{"object_parts": parts, "count": len(parts)})
				return string(b)
			}
		} else {
			w.Render = func(p pagingtest.Page) string {
				var sb strings.Builder
				fmt.Fprintf(&sb, "<ListPartsResult><IsTruncated>%v</IsTruncated>", p.More)
				if p.Next != "" {
					fmt.Fprintf(&sb, "<NextPartNumberMarker>%s</NextPartNumberMarker>", p.Next)
				}
				for _, n := range p.Items {
					fmt.Fprintf(&sb, `<Part><PartNumber>%s</PartNumber><ETag>"e%s"</ETag><Size>5</Size></Part>`, n, n)
				}
				sb.WriteString("</ListPartsResult>")
				return sb.String()
			}
		}
		wires = append(wires, w)
	}
	pagingtest.Run(t, wires...)
}
