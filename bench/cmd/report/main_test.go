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

// TestFloorTable: the floor rows give the ratios a client could reach at
// best, per protocol and setting.
func TestFloorTable(t *testing.T) {
	line := func(op, client, integrity, cpu string) string {
		src := "file"
		if op == "download" {
			src = "-"
		}
		return "RESULT server=discard proto=https client=" + client + " op=" + op + " integrity=" + integrity +
			" source=" + src + " size=1GiB part=8MiB par=4 bytes=1073741824 seconds=1 mibps=1024 cpu=" + cpu +
			" user=0 sys=0 cpu_per_gib=" + cpu + " maxrss_mib=20 verified=server\n"
	}
	in := line("upload", "floor", "crc32c", "0.80") + line("upload", "floor", "off", "0.70") +
		line("upload", "polystore", "crc32c", "0.84") + line("upload", "polystore", "crc32c-header", "0.98") +
		line("upload", "aws", "sha256+crc32", "1.00") + line("upload", "minio", "crc32c", "0.95") +
		line("download", "floor", "none", "0.63") + line("download", "floor", "crc32c", "0.66") + line("download", "polystore", "auto", "0.70") +
		line("download", "aws", "auto", "0.70")
	gs, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	floorTable(&out, gs)
	for _, want := range []string{
		// the best peer is minio-go here (0.95 < 1.00)
		"| https | upload | 8MiB/4 | 0.80 | 0.70 | 0.84 | 0.98 | 1.00 | 0.95 | 0.88 | 0.84 | 0.70 | 1.20 |",
		"| https | download | 8MiB/4 | 0.66 | 0.63 | 0.70 | – | 0.70 | – | – | 1.00 | 0.90 | 1.11 |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("floor table lacks %q:\n%s", want, out.String())
		}
	}
}

// TestOpsFloorTable: the floors' ratios, and each client's own cost above
// net/http's.
func TestOpsFloorTable(t *testing.T) {
	line := func(client, cpu string) string {
		return "RESULT server=discard proto=https client=" + client + " op=put size=4KiB conc=1 keys=0 ops=800 seconds=1 ops_per_s=800 unit=op cpu_us=" + cpu +
			" allocs=80 alloc_bytes=1 heap_inuse_mib=1 maxrss_mib=20\n"
	}
	keyFields = opsKeyFields
	defer func() { keyFields = defaultKeyFields }()
	gs, err := parse(strings.NewReader(line("floor", "100") + line("nethttp", "120") + line("polystore", "140") + line("aws", "260") + line("minio", "180")))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	opsReport(&out, gs)
	want := "| discard (https) | put | 4KiB | 1 | 100 | 120 | 140 | 260 | 180 | 0.38 | 0.56 | 0.46 | 0.67 | 20 | 140 | 60 | 0.14 | 0.33 |"
	if !strings.Contains(out.String(), want) {
		t.Errorf("ops report lacks %q:\n%s", want, out.String())
	}
}

// TestDlfileTable: downloads into a file get their own table, with
// polystore's ratios to each peer and the floor; the same clients'
// downloads into memory stay out of it.
func TestDlfileTable(t *testing.T) {
	line := func(client, integrity, source, cpu string) string {
		return "RESULT server=minio proto=https client=" + client + " op=download integrity=" + integrity +
			" source=" + source + " size=1GiB part=8MiB par=4 bytes=1073741824 seconds=1 mibps=1024 cpu=" + cpu +
			" user=0 sys=0 cpu_per_gib=" + cpu + " maxrss_mib=20 verified=bytes\n"
	}
	in := line("polystore", "auto", "to-file", "0.90") + line("aws", "auto", "to-file", "1.20") + line("minio", "none", "to-file", "1.50") +
		line("polystore", "auto", "-", "0.10") + line("aws", "auto", "-", "9.00")
	gs, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	dlfileTable(&out, gs)
	want := "| https | minio | 8MiB/4 | 0.90 | 1.20 | 1.50 | – | 0.75 | 0.60 | – |"
	if !strings.Contains(out.String(), want) {
		t.Errorf("table lacks %q:\n%s", want, out.String())
	}
}
