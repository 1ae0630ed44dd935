// Command report turns xfer's RESULT lines into markdown: a table of the
// medians of repeated runs, and the targets, each marked met or
// not with the figures it was judged on.
//
//	report results.txt > results.md
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// run is one RESULT line.
type run map[string]string

func (r run) num(k string) float64 {
	v, _ := strconv.ParseFloat(r[k], 64)
	return v
}

// group is the runs of one configuration.
type group struct {
	key  string
	runs []run
}

var keyFields = defaultKeyFields

// defaultKeyFields group cmd/xfer's RESULT lines.
var defaultKeyFields = []string{"server", "proto", "client", "op", "integrity", "source", "size", "part", "par"}

func (g *group) field(k string) string { return g.runs[0][k] }

// median of a field over the group's runs.
func (g *group) median(k string) float64 {
	v := make([]float64, len(g.runs))
	for i, r := range g.runs {
		v[i] = r.num(k)
	}
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

func (g *group) rng(k string) (float64, float64) {
	lo, hi := g.runs[0].num(k), g.runs[0].num(k)
	for _, r := range g.runs {
		lo, hi = min(lo, r.num(k)), max(hi, r.num(k))
	}
	return lo, hi
}

func parse(r io.Reader) ([]*group, error) {
	byKey := map[string]*group{}
	var order []*group
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		rest, ok := strings.CutPrefix(line, "RESULT ")
		if !ok {
			continue
		}
		rr := run{}
		for _, f := range strings.Fields(rest) {
			k, v, _ := strings.Cut(f, "=")
			rr[k] = v
		}
		var kb strings.Builder
		for _, k := range keyFields {
			kb.WriteString(rr[k] + "|")
		}
		g := byKey[kb.String()]
		if g == nil {
			g = &group{key: kb.String()}
			byKey[g.key] = g
			order = append(order, g)
		}
		g.runs = append(g.runs, rr)
	}
	return order, sc.Err()
}

func sizeBytes(s string) float64 {
	for _, u := range []struct {
		suf  string
		mult float64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n, ok := strings.CutSuffix(s, u.suf); ok {
			v, _ := strconv.ParseFloat(n, 64)
			return v * u.mult
		}
	}
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

// defaultModes are each client's default integrity, upload then download.
var defaultModes = []string{"polystore:crc32c", "aws:sha256+crc32", "minio:sha256-chunked", "polystore:auto", "aws:auto", "minio:none"}

func sortGroups(gs []*group) {
	rank := func(v string, order ...string) int {
		if i := slices.Index(order, v); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortStableFunc(gs, func(a, b *group) int {
		for _, c := range []int{
			rank(a.field("server"), "minio", "discard") - rank(b.field("server"), "minio", "discard"),
			rank(a.field("source"), "file", "-", "gen", "stream")/3 - rank(b.field("source"), "file", "-", "gen", "stream")/3,
			int(sizeBytes(b.field("size")) - sizeBytes(a.field("size"))),
			rank(a.field("op"), "upload", "download", "stream") - rank(b.field("op"), "upload", "download", "stream"),
			int(sizeBytes(a.field("part")) - sizeBytes(b.field("part"))),
			int(a.runs[0].num("par") - b.runs[0].num("par")),
			rank(a.field("client"), "polystore", "polystore-open", "aws", "aws-tm", "minio", "floor") - rank(b.field("client"), "polystore", "polystore-open", "aws", "aws-tm", "minio", "floor"),
			rank(a.field("client")+":"+a.field("integrity"), defaultModes...) - rank(b.field("client")+":"+b.field("integrity"), defaultModes...),
		} {
			if c != 0 {
				return c
			}
		}
		return strings.Compare(a.field("integrity"), b.field("integrity"))
	})
}

func table(w io.Writer, gs []*group) {
	fmt.Fprintln(w, "| server | op | size | part | par | source | client | integrity | runs | bytes | seconds | MiB/s | CPU s | CPU s/GiB | peak RSS MiB | verified |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, g := range gs {
		lo, hi := g.rng("seconds")
		secs := fmt.Sprintf("%.2f", g.median("seconds"))
		if len(g.runs) > 1 {
			secs += fmt.Sprintf(" (%.2f–%.2f)", lo, hi)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %d | %s | %s | %.0f | %.2f | %.2f | %.1f | %s |\n",
			serverCell(g), g.field("op"), g.field("size"), g.field("part"), g.field("par"), g.field("source"),
			g.field("client"), integrityCell(g), len(g.runs), g.field("bytes"), secs, g.median("mibps"),
			g.median("cpu"), g.median("cpu_per_gib"), g.median("maxrss_mib"), g.field("verified"))
	}
}

// find returns the group matching every given field.
func find(gs []*group, kv ...string) *group {
	for _, g := range gs {
		ok := true
		for i := 0; i < len(kv); i += 2 {
			if g.field(kv[i]) != kv[i+1] {
				ok = false
				break
			}
		}
		if ok {
			return g
		}
	}
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "**met**"
	}
	return "**NOT met**"
}

// targets evaluates the targets on what was measured.
func targets(w io.Writer, gs []*group) {
	settings := map[[2]string]bool{}
	var order [][2]string
	for _, g := range gs {
		s := [2]string{g.field("part"), g.field("par")}
		if g.field("size") == "1GiB" && g.field("source") != "stream" && !settings[s] {
			settings[s] = true
			order = append(order, s)
		}
	}
	slices.SortFunc(order, func(a, b [2]string) int { return int(sizeBytes(a[0]) - sizeBytes(b[0])) })
	base := func(server, op, client, part, par string) *group {
		in := map[string]string{"upload": map[string]string{"polystore": "crc32c", "aws": "sha256+crc32", "minio": "sha256-chunked"}[client],
			"download": map[string]string{"polystore": "auto", "aws": "auto", "minio": "none"}[client]}[op]
		src := "file"
		if op == "download" {
			src = "-"
		}
		return find(gs, "server", server, "op", op, "client", client, "integrity", in, "size", "1GiB", "part", part, "par", par, "source", src)
	}

	fmt.Fprintln(w, "### 1. Client CPU per GiB uploaded: polystore ≤ 0.5 × aws manager's (1 GiB, file source, each client's default integrity)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| server | part/par | polystore (crc32c) CPU s/GiB | aws (sha256+crc32) CPU s/GiB | ratio | verdict |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, server := range []string{"minio", "discard"} {
		for _, s := range order {
			p, a := base(server, "upload", "polystore", s[0], s[1]), base(server, "upload", "aws", s[0], s[1])
			if p == nil || a == nil {
				continue
			}
			r := p.median("cpu_per_gib") / a.median("cpu_per_gib")
			fmt.Fprintf(w, "| %s | %s/%s | %.2f | %.2f | %.2f | %s |\n", server, s[0], s[1], p.median("cpu_per_gib"), a.median("cpu_per_gib"), r, verdict(r <= 0.5))
		}
	}
	fmt.Fprintln(w)

	fmt.Fprintln(w, "### 2. Wall time: polystore ≤ 0.9 × the faster of aws manager and minio-go (1 GiB, file source)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| server | op | part/par | polystore s | aws s | minio s | polystore / faster | verdict |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for _, server := range []string{"minio", "discard"} {
		for _, op := range []string{"upload", "download"} {
			for _, s := range order {
				p, a, m := base(server, op, "polystore", s[0], s[1]), base(server, op, "aws", s[0], s[1]), base(server, op, "minio", s[0], s[1])
				if p == nil || a == nil || m == nil {
					continue
				}
				fast := min(a.median("seconds"), m.median("seconds"))
				r := p.median("seconds") / fast
				fmt.Fprintf(w, "| %s | %s | %s/%s | %.2f | %.2f | %.2f | %.2f | %s |\n", server, op, s[0], s[1], p.median("seconds"), a.median("seconds"), m.median("seconds"), r, verdict(r <= 0.9))
			}
		}
	}
	fmt.Fprintln(w)

	fmt.Fprintln(w, "### 3. Throughput against the discarding server: polystore ≥ 1.5 × aws manager's (1 GiB, file source)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| op | part/par | polystore MiB/s | aws MiB/s | ratio | verdict |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, op := range []string{"upload", "download"} {
		for _, s := range order {
			p, a := base("discard", op, "polystore", s[0], s[1]), base("discard", op, "aws", s[0], s[1])
			if p == nil || a == nil {
				continue
			}
			r := p.median("mibps") / a.median("mibps")
			fmt.Fprintf(w, "| %s | %s/%s | %.0f | %.0f | %.2f | %s |\n", op, s[0], s[1], p.median("mibps"), a.median("mibps"), r, verdict(r >= 1.5))
		}
	}
	fmt.Fprintln(w)

	fmt.Fprintln(w, "### 4. Peak RSS of a streamed upload ≤ part × (par + 2) + 16 MiB, for 10 GiB as for 100 MiB (polystore, stream source, discard server)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| size | part/par | bound MiB | peak RSS MiB (max of runs) | verdict |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, g := range gs {
		if g.field("client") != "polystore" || g.field("source") != "stream" || g.field("op") != "upload" || g.field("server") != "discard" {
			continue
		}
		bound := sizeBytes(g.field("part"))/(1<<20)*(g.runs[0].num("par")+2) + 16
		_, peak := g.rng("maxrss_mib")
		fmt.Fprintf(w, "| %s | %s/%s | %.0f | %.1f | %s |\n", g.field("size"), g.field("part"), g.field("par"), bound, peak, verdict(peak <= bound))
	}
	fmt.Fprintln(w)

	fmt.Fprintln(w, "### 5. Download peak RSS: polystore ≤ aws manager's (medians)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| server | size | part/par | polystore MiB | aws MiB | verdict |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, g := range gs {
		if g.field("client") != "polystore" || g.field("op") != "download" || g.field("integrity") != "auto" {
			continue
		}
		a := find(gs, "server", g.field("server"), "op", "download", "client", "aws", "integrity", "auto", "size", g.field("size"), "part", g.field("part"), "par", g.field("par"))
		if a == nil {
			continue
		}
		p, q := g.median("maxrss_mib"), a.median("maxrss_mib")
		fmt.Fprintf(w, "| %s | %s | %s/%s | %.1f | %.1f | %s |\n", g.field("server"), g.field("size"), g.field("part"), g.field("par"), p, q, verdict(p <= q))
	}
	fmt.Fprintln(w)
	streamTargets(w, gs)
}

// streamTargets judges the streamed downloads (-op stream, into
// io.Discard): polystore's peak RSS at most aws transfermanager's
// concurrent GetObject reader's, its CPU per GiB at most 0.8× that, for
// the Writer (client polystore) and the Reader (polystore-open).
func streamTargets(w io.Writer, gs []*group) {
	fmt.Fprintln(w, "### 6. Streamed download into io.Discard: polystore peak RSS ≤ aws transfermanager's, CPU/GiB ≤ 0.8× (medians)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| server | size | part/par | polystore via | MiB/s (aws) | CPU s/GiB (aws) | CPU ratio | peak RSS MiB (aws) | verdict |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, g := range gs {
		if g.field("op") != "stream" || (g.field("client") != "polystore" && g.field("client") != "polystore-open") || g.field("integrity") != "auto" {
			continue
		}
		a := find(gs, "server", g.field("server"), "op", "stream", "client", "aws-tm", "integrity", "auto", "size", g.field("size"), "part", g.field("part"), "par", g.field("par"))
		if a == nil {
			continue
		}
		via := map[string]string{"polystore": "Writer", "polystore-open": "Open"}[g.field("client")]
		cpu, acpu := g.median("cpu_per_gib"), a.median("cpu_per_gib")
		rss, arss := g.median("maxrss_mib"), a.median("maxrss_mib")
		fmt.Fprintf(w, "| %s | %s | %s/%s | %s | %.0f (%.0f) | %.3f (%.3f) | %.2f | %.1f (%.1f) | %s |\n",
			g.field("server"), g.field("size"), g.field("part"), g.field("par"), via,
			g.median("mibps"), a.median("mibps"), cpu, acpu, cpu/acpu, rss, arss, verdict(rss <= arss && cpu <= 0.8*acpu))
	}
	fmt.Fprintln(w)
}

func main() {
	noTargets := flag.Bool("table-only", false, "print only the table")
	ops := flag.Bool("ops", false, "the input is cmd/ops's: print its small-object and listing tables")
	flag.Parse()
	if *ops {
		keyFields = opsKeyFields
	}
	var in io.Reader = os.Stdin
	if flag.NArg() > 0 {
		var rs []io.Reader
		for _, name := range flag.Args() {
			f, err := os.Open(name)
			if err != nil {
				fmt.Fprintln(os.Stderr, "report:", err)
				os.Exit(1)
			}
			defer f.Close()
			rs = append(rs, f)
		}
		in = io.MultiReader(rs...)
	}
	gs, err := parse(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	if *ops {
		opsReport(os.Stdout, gs)
		return
	}
	sortGroups(gs)
	table(os.Stdout, gs)
	if !*noTargets {
		fmt.Println()
		if find(gs, "proto", "https") != nil {
			tlsTargets(os.Stdout, gs)
		} else {
			targets(os.Stdout, gs)
		}
		if find(gs, "client", "floor") != nil {
			floorTable(os.Stdout, gs)
		}
		if find(gs, "source", "to-file") != nil {
			dlfileTable(os.Stdout, gs)
		}
	}
}

// cpu is a group's median CPU s/GiB, or "–" for none.
func cpu(g *group) string {
	if g == nil {
		return "–"
	}
	return fmt.Sprintf("%.2f", g.median("cpu_per_gib"))
}

// ratio is the ratio of two groups' median CPU s/GiB, or "–".
func ratio(a, b *group) string {
	if a == nil || b == nil {
		return "–"
	}
	return fmt.Sprintf("%.2f", a.median("cpu_per_gib")/b.median("cpu_per_gib"))
}

// dlfileTable compares the downloads into a file (xfer -to file): CPU
// s/GiB, medians, and polystore's ratios to each peer and the floor.
func dlfileTable(w io.Writer, gs []*group) {
	get := func(proto, server, client, integrity, part, par string) *group {
		return find(gs, "proto", proto, "server", server, "op", "download", "client", client, "integrity", integrity,
			"size", "1GiB", "part", part, "par", par, "source", "to-file")
	}
	fmt.Fprintln(w, "### Downloads into a file (1 GiB, xfer -to file): CPU s/GiB, medians")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| proto | server | part/par | polystore | aws | minio-go | floor (CRC32C) | polystore / aws (T5 ≤ 0.75) | polystore / minio-go | polystore / floor |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	for _, proto := range []string{"http", "https"} {
		for _, server := range []string{"minio", "discard"} {
			for _, s := range [][2]string{{"8MiB", "4"}, {"16MiB", "8"}} {
				p := get(proto, server, "polystore", "auto", s[0], s[1])
				if p == nil {
					continue
				}
				a, m, f := get(proto, server, "aws", "auto", s[0], s[1]), get(proto, server, "minio", "none", s[0], s[1]), get(proto, server, "floor", "crc32c", s[0], s[1])
				fmt.Fprintf(w, "| %s | %s | %s/%s | %s | %s | %s | %s | %s | %s | %s |\n", proto, server, s[0], s[1],
					cpu(p), cpu(a), cpu(m), cpu(f), ratio(p, a), ratio(p, m), ratio(p, f))
			}
		}
	}
	fmt.Fprintln(w)
}

// serverCell is the server, with the scheme when it is https.
func serverCell(g *group) string {
	if g.field("proto") == "https" {
		return g.field("server") + " (https)"
	}
	return g.field("server")
}

// integrityCell is the mode, with what it sends when xfer said so.
func integrityCell(g *group) string {
	if w := g.field("wire"); w != "" && w != "-" && w != g.field("integrity") {
		return g.field("integrity") + " (" + w + ")"
	}
	return g.field("integrity")
}

// tlsTargets evaluates issue 13's TLS targets (1 GiB, file source, https):
// upload CPU per GiB ≤ 0.8 × the best peer at equal integrity (aws's
// default, UNSIGNED-PAYLOAD + CRC32 trailer over https; minio-go's crc32c,
// UNSIGNED-PAYLOAD + CRC32C trailer) and ≤ 0.5 × aws's default; upload wall
// ≤ 0.9 × the faster of those; download CPU per GiB ≤ the minio-go
// ranged-GET loop's and ≤ 0.75 × aws's; download peak RSS ≤ aws's + 1 MiB.
func tlsTargets(w io.Writer, gs []*group) {
	get := func(server, op, client, integrity, size, part, par string) *group {
		src := "file"
		if op == "download" {
			src = "-"
		}
		return find(gs, "proto", "https", "server", server, "op", op, "client", client, "integrity", integrity, "size", size, "part", part, "par", par, "source", src)
	}
	settings := [][3]string{{"1GiB", "8MiB", "4"}, {"1GiB", "16MiB", "8"}, {"100MiB", "8MiB", "4"}}
	fmt.Fprintln(w, "### TLS upload targets (1 GiB, file source): CPU s/GiB and wall s, medians")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| server | part/par | polystore crc32c CPU | aws default CPU | minio-go crc32c CPU | / best peer (≤ 0.8) | / aws default (≤ 0.5) | polystore s | faster peer s | / faster (≤ 0.9) |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	for _, server := range []string{"minio", "discard"} {
		for _, s := range settings[:2] {
			p := get(server, "upload", "polystore", "crc32c", s[0], s[1], s[2])
			a := get(server, "upload", "aws", "sha256+crc32", s[0], s[1], s[2])
			m := get(server, "upload", "minio", "crc32c", s[0], s[1], s[2])
			if p == nil || a == nil || m == nil {
				fmt.Fprintf(w, "| %s | %s/%s | not measured | | | | | | | |\n", server, s[1], s[2])
				continue
			}
			pc, ac, mc := p.median("cpu_per_gib"), a.median("cpu_per_gib"), m.median("cpu_per_gib")
			best := min(ac, mc)
			fast := min(a.median("seconds"), m.median("seconds"))
			fmt.Fprintf(w, "| %s | %s/%s | %.2f | %.2f | %.2f | %.2f %s | %.2f %s | %.2f | %.2f | %.2f %s |\n", server, s[1], s[2], pc, ac, mc,
				pc/best, verdict(pc <= 0.8*best), pc/ac, verdict(pc <= 0.5*ac), p.median("seconds"), fast, p.median("seconds")/fast, verdict(p.median("seconds") <= 0.9*fast))
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "### TLS download targets: CPU s/GiB (≤ minio-go loop, ≤ 0.75 × aws) and peak RSS MiB (≤ aws + 1)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| server | size | part/par | polystore CPU | minio-go loop CPU | aws CPU | vs loop | vs aws | polystore RSS | aws RSS | RSS |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|")
	for _, server := range []string{"minio", "discard"} {
		for _, s := range settings {
			p := get(server, "download", "polystore", "auto", s[0], s[1], s[2])
			a := get(server, "download", "aws", "auto", s[0], s[1], s[2])
			m := get(server, "download", "minio", "none", s[0], s[1], s[2])
			if p == nil || a == nil || m == nil {
				continue
			}
			pc, ac, mc := p.median("cpu_per_gib"), a.median("cpu_per_gib"), m.median("cpu_per_gib")
			pr, ar := p.median("maxrss_mib"), a.median("maxrss_mib")
			fmt.Fprintf(w, "| %s | %s | %s/%s | %.2f | %.2f | %.2f | %.2f %s | %.2f %s | %.1f | %.1f | %s |\n", server, s[0], s[1], s[2], pc, mc, ac,
				pc/mc, verdict(pc <= mc), pc/ac, verdict(pc <= 0.75*ac), pr, ar, verdict(pr <= ar+1))
		}
	}
	fmt.Fprintln(w)
}

// floorTable sets the CPU-per-GiB targets against the floor (xfer -client
// floor, the discarding server): for each protocol and setting, the
// floor's CPU at polystore's integrity (uploads: a CRC32C header, the
// part read twice; downloads: each range's CRC32C computed) and with none,
// polystore's, and aws's default; the
// floor's ratio to aws is the best any client could reach, so a target
// below it measures the machine, not the client. Downloads likewise.
func floorTable(w io.Writer, gs []*group) {
	get := func(proto, op, client, integrity, part, par string) *group {
		src := "file"
		if op == "download" {
			src = "-" // into memory; -to file rows are dlfileTable's
		}
		return find(gs, "proto", proto, "server", "discard", "op", op, "client", client, "integrity", integrity, "size", "1GiB", "part", part, "par", par, "source", src)
	}
	fmt.Fprintln(w, "### Against the floor (discarding server, 1 GiB): CPU s/GiB, medians")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| proto | op | part/par | floor, CRC32C header (two reads) | floor, no checksum | polystore default | polystore crc32c-header | aws default | minio-go crc32c | polystore / best peer (T1 ≤ 0.8) | polystore / aws (T2 ≤ 0.5) | floor (none) / aws | polystore / floor (none) |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, proto := range []string{"http", "https"} {
		for _, s := range [][2]string{{"8MiB", "4"}, {"16MiB", "8"}} {
			if get(proto, "upload", "floor", "crc32c", s[0], s[1]) != nil {
				f, fo := get(proto, "upload", "floor", "crc32c", s[0], s[1]), get(proto, "upload", "floor", "off", s[0], s[1])
				p, ph := get(proto, "upload", "polystore", "crc32c", s[0], s[1]), get(proto, "upload", "polystore", "crc32c-header", s[0], s[1])
				a, mc := get(proto, "upload", "aws", "sha256+crc32", s[0], s[1]), get(proto, "upload", "minio", "crc32c", s[0], s[1])
				best := a
				if best == nil || (mc != nil && mc.median("cpu_per_gib") < best.median("cpu_per_gib")) {
					best = mc
				}
				fmt.Fprintf(w, "| %s | upload | %s/%s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", proto, s[0], s[1],
					cpu(f), cpu(fo), cpu(p), cpu(ph), cpu(a), cpu(mc), ratio(p, best), ratio(p, a), ratio(fo, a), ratio(p, fo))
			}
			if fo := get(proto, "download", "floor", "none", s[0], s[1]); fo != nil {
				f := get(proto, "download", "floor", "crc32c", s[0], s[1])
				p, a := get(proto, "download", "polystore", "auto", s[0], s[1]), get(proto, "download", "aws", "auto", s[0], s[1])
				fmt.Fprintf(w, "| %s | download | %s/%s | %s | %s | %s | – | %s | – | – | %s | %s | %s |\n", proto, s[0], s[1],
					cpu(f), cpu(fo), cpu(p), cpu(a), ratio(p, a), ratio(fo, a), ratio(p, fo))
			}
		}
	}
	fmt.Fprintln(w)
}
