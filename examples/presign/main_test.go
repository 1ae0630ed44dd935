package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestPresign runs the example for every dialect: it checks each URL
// itself, and must print a GET and a PUT, each with a curl line and "ok".
func TestPresign(t *testing.T) {
	dialects := []string{"s3", "cos", "qingstor", "ibm"}
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), config{dialects: []string{d}, expires: time.Minute}, &out)
			if err != nil {
				t.Fatalf("%v\noutput:\n%s", err, out.String())
			}
			for _, want := range []string{
				"GET  http://", "  curl -fsS 'http://", `ok: fetched "hello from a presigned URL\n"`,
				"PUT  http://", "  curl -fsS -X PUT -H 'Content-Type: text/plain' --data-binary 'uploaded with curl' 'http://",
				"ok: stored 30 bytes",
			} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

// TestWait checks that -wait serves until the context ends (here, as soon
// as the example says it is serving).
func TestWait(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &cancelOnWrite{text: "serving until Ctrl-C", cancel: cancel}
	if err := run(ctx, config{dialects: []string{"s3"}, wait: true, expires: time.Minute}, out); err != nil {
		t.Fatalf("%v\noutput:\n%s", err, out.String())
	}
}

// cancelOnWrite keeps what is written, and calls cancel once text is.
type cancelOnWrite struct {
	bytes.Buffer
	text   string
	cancel func()
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	if strings.Contains(string(p), w.text) {
		w.cancel()
	}
	return w.Buffer.Write(p)
}

func TestShellQuote(t *testing.T) {
	if got, want := shellQuote(`it's`), `'it'\''s'`; got != want {
		t.Errorf("shellQuote(it's) = %s, want %s", got, want)
	}
}
