package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestQuickstart runs the example against the embedded server for every
// dialect and checks each step was printed.
func TestQuickstart(t *testing.T) {
	for _, d := range []string{"s3", "cos", "qingstor", "ibm"} {
		t.Run(d, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(d, false, &out); err != nil {
				t.Fatalf("%v\noutput:\n%s", err, out.String())
			}
			for _, step := range []string{
				"created bucket", "put greetings/hello.txt", "list: greetings/hello.txt (21 bytes)",
				"head: 21 bytes", "get: \"hello from polystore\\n\"",
				"presign: GET http://", "fetched with net/http, no credentials: \"hello from polystore\\n\"",
				"deleted greetings/hello.txt", "done",
			} {
				if !strings.Contains(out.String(), step) {
					t.Errorf("output lacks %q:\n%s", step, out.String())
				}
			}
		})
	}
}
