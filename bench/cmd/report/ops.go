package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// opsKeyFields group cmd/ops's RESULT lines.
var opsKeyFields = []string{"server", "proto", "client", "op", "size", "conc", "keys"}

// opsReport prints cmd/ops's medians per client side by side, and the
// small-object and listing targets: polystore's client CPU per request
// ≤ 0.5 × aws-sdk-go-v2's and ≤ 0.7 × minio-go's, allocations per PUT ≤ 80
// and per GET ≤ 90; listing CPU per key ≤ 0.4 × aws's, ≤ 8 allocations
// per key, heap flat in the key count.
func opsReport(w io.Writer, gs []*group) {
	type cfg struct{ server, proto, op, size, conc, keys string }
	var cfgs []cfg
	seen := map[cfg]bool{}
	for _, g := range gs {
		c := cfg{g.field("server"), g.field("proto"), g.field("op"), g.field("size"), g.field("conc"), g.field("keys")}
		if !seen[c] {
			seen[c] = true
			cfgs = append(cfgs, c)
		}
	}
	opRank := map[string]int{"put": 0, "get": 1, "head": 2, "delete": 3, "list": 4}
	slices.SortStableFunc(cfgs, func(a, b cfg) int {
		return cmpAll(
			strings.Compare(a.proto, b.proto),
			rank(a.server, "minio", "discard")-rank(b.server, "minio", "discard"),
			opRank[a.op]-opRank[b.op],
			int(sizeBytes(a.size)-sizeBytes(b.size)),
			len(a.conc)-len(b.conc), strings.Compare(a.conc, b.conc),
			len(a.keys)-len(b.keys), strings.Compare(a.keys, b.keys))
	})
	get := func(c cfg, client string) *group {
		return find(gs, "server", c.server, "proto", c.proto, "client", client, "op", c.op, "size", c.size, "conc", c.conc, "keys", c.keys)
	}
	fmt.Fprintln(w, "### Small objects: client CPU µs per request, allocations per request (medians)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| server | op | size | conc | runs | polystore µs | aws µs | minio-go µs | / aws (≤ 0.5) | / minio-go (≤ 0.7) | polystore allocs | aws allocs | minio-go allocs | alloc target | polystore req/s | aws req/s | minio-go req/s |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, c := range cfgs {
		if c.op == "list" {
			continue
		}
		p, a, m := get(c, "polystore"), get(c, "aws"), get(c, "minio")
		if p == nil || a == nil || m == nil {
			continue
		}
		pc, ac, mc := p.median("cpu_us"), a.median("cpu_us"), m.median("cpu_us")
		allocT := "-"
		switch c.op {
		case "put":
			allocT = fmt.Sprintf("≤ 80 %s", verdict(p.median("allocs") <= 80))
		case "get":
			allocT = fmt.Sprintf("≤ 90 %s", verdict(p.median("allocs") <= 90))
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %d | %.0f | %.0f | %.0f | %.2f %s | %.2f %s | %.0f | %.0f | %.0f | %s | %.0f | %.0f | %.0f |\n",
			serverCell(p), c.op, c.size, c.conc, len(p.runs), pc, ac, mc, pc/ac, verdict(pc <= 0.5*ac), pc/mc, verdict(pc <= 0.7*mc),
			p.median("allocs"), a.median("allocs"), m.median("allocs"), allocT,
			p.median("ops_per_s"), a.median("ops_per_s"), m.median("ops_per_s"))
	}
	fmt.Fprintln(w)
	if find(gs, "client", "floor") != nil {
		fmt.Fprintln(w, "### Against the floors (ops -client floor and nethttp): client CPU µs per request, medians")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "floor: the request alone (package rawhttp); nethttp: the same through net/http's Transport. Their ratios to a peer are the best a client could reach, without net/http and with it; \"own\" is what a client costs above nethttp.")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| server | op | size | conc | floor µs | nethttp µs | polystore µs | aws µs | minio-go µs | floor / aws | floor / minio-go | nethttp / aws | nethttp / minio-go | polystore own | aws own | minio-go own | own / aws's | own / minio-go's |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
		for _, c := range cfgs {
			f, n, p, a, m := get(c, "floor"), get(c, "nethttp"), get(c, "polystore"), get(c, "aws"), get(c, "minio")
			if c.op == "list" || f == nil || n == nil || p == nil || a == nil || m == nil {
				continue
			}
			fc, nc, pc, ac, mc := f.median("cpu_us"), n.median("cpu_us"), p.median("cpu_us"), a.median("cpu_us"), m.median("cpu_us")
			fmt.Fprintf(w, "| %s | %s | %s | %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.2f | %.2f | %.2f | %.2f | %.0f | %.0f | %.0f | %s | %s |\n",
				serverCell(p), c.op, c.size, c.conc, fc, nc, pc, ac, mc, fc/ac, fc/mc, nc/ac, nc/mc, pc-nc, ac-nc, mc-nc, ownRatio(pc-nc, ac-nc), ownRatio(pc-nc, mc-nc))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "### Listing: client CPU µs per key, allocations per key, heap in use and peak RSS at the end (medians)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| server | keys | runs | polystore µs/key | aws µs/key | minio-go µs/key | / aws (≤ 0.4) | polystore allocs/key (≤ 8) | aws allocs/key | minio-go allocs/key | polystore heap MiB | polystore RSS MiB | aws RSS MiB | minio-go RSS MiB | polystore s | aws s | minio-go s |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, c := range cfgs {
		if c.op != "list" {
			continue
		}
		p, a, m := get(c, "polystore"), get(c, "aws"), get(c, "minio")
		if p == nil || a == nil || m == nil {
			continue
		}
		pc, ac := p.median("cpu_us"), a.median("cpu_us")
		fmt.Fprintf(w, "| %s | %s | %d | %.2f | %.2f | %.2f | %.2f %s | %.1f %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f | %.2f |\n",
			serverCell(p), c.keys, len(p.runs), pc, ac, m.median("cpu_us"), pc/ac, verdict(pc <= 0.4*ac),
			p.median("allocs"), verdict(p.median("allocs") <= 8), a.median("allocs"), m.median("allocs"),
			p.median("heap_inuse_mib"), p.median("maxrss_mib"), a.median("maxrss_mib"), m.median("maxrss_mib"),
			p.median("seconds"), a.median("seconds"), m.median("seconds"))
	}
	fmt.Fprintln(w)
}

// ownRatio is x / y for two costs above net/http's floor; at or below
// the floor (run-to-run noise) there is no ratio to give.
func ownRatio(x, y float64) string {
	switch {
	case y <= 0:
		return "–"
	case x <= 0:
		return "≈ 0"
	}
	return fmt.Sprintf("%.2f", x/y)
}

// cmpAll is the first non-zero comparison.
func cmpAll(cs ...int) int {
	for _, c := range cs {
		if c != 0 {
			return c
		}
	}
	return 0
}

// rank is v's place in order (len(order) if absent).
func rank(v string, order ...string) int {
	if i := slices.Index(order, v); i >= 0 {
		return i
	}
	return len(order)
}
