package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	line := func(client, integrity, secs, mibps, cpu, rss string) string {
		return "RESULT server=discard client=" + client + " op=upload integrity=" + integrity +
			" source=file size=1GiB part=8MiB par=4 bytes=1073741824 seconds=" + secs + " mibps=" + mibps +
			" cpu=" + cpu + " user=0 sys=0 cpu_per_gib=" + cpu + " maxrss_mib=" + rss + " verified=server\n"
	}
	in := "noise\n" +
		line("polystore", "crc32c", "1", "1024", "0.6", "20") +
		line("polystore", "crc32c", "3", "341", "0.9", "20") +
		line("polystore", "crc32c", "2", "512", "0.7", "20") +
		line("aws", "sha256+crc32", "2", "512", "1.4", "20") +
		line("minio", "sha256-chunked", "4", "256", "1.5", "20")
	gs, err := parse(strings.NewReader(in))
	if err != nil || len(gs) != 3 {
		t.Fatalf("parse: %d groups, %v", len(gs), err)
	}
	sortGroups(gs)
	if p := gs[0]; p.field("client") != "polystore" || len(p.runs) != 3 || p.median("seconds") != 2 || p.median("cpu_per_gib") != 0.7 {
		t.Errorf("first group %s: %d runs, median %v s", p.key, len(p.runs), p.median("seconds"))
	}
	var out bytes.Buffer
	targets(&out, gs)
	for _, want := range []string{
		"| discard | 8MiB/4 | 0.70 | 1.40 | 0.50 | **met** |",
		"| discard | upload | 8MiB/4 | 2.00 | 2.00 | 4.00 | 1.00 | **NOT met** |",
		"| upload | 8MiB/4 | 512 | 512 | 1.00 | **NOT met** |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("targets lack %q:\n%s", want, out.String())
		}
	}
}
