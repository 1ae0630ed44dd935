package storagetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestKeyIndex checks the chunked index against a plain sorted slice
// through random inserts, removes and seeks.
func TestKeyIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	var x keyIndex
	var model []string
	key := func() string { return fmt.Sprintf("k%05d", rng.IntN(20000)) }
	for i := range 60000 {
		k := key()
		if rng.IntN(3) == 0 {
			j, found := slices.BinarySearch(model, k)
			if got := x.remove(k); got != found {
				t.Fatalf("step %d: remove(%q) = %v, want %v", i, k, got, found)
			}
			if found {
				model = slices.Delete(model, j, j+1)
			}
		} else {
			j, found := slices.BinarySearch(model, k)
			if got := x.insert(k); got == found {
				t.Fatalf("step %d: insert(%q) = %v, want %v", i, k, got, !found)
			}
			if !found {
				model = slices.Insert(model, j, k)
			}
		}
		if x.Len() != len(model) {
			t.Fatalf("step %d: Len %d, want %d", i, x.Len(), len(model))
		}
		if i%5000 == 0 {
			checkIndex(t, &x, model, rng)
		}
	}
	checkIndex(t, &x, model, rng)
	for _, c := range x.chunks {
		if len(c) == 0 || len(c) > chunkSize {
			t.Fatalf("chunk of %d keys", len(c))
		}
	}
}

func checkIndex(t *testing.T, x *keyIndex, model []string, rng *rand.Rand) {
	t.Helper()
	var all []string
	for c := x.seek(""); c.valid(); c.next() {
		all = append(all, c.key())
	}
	if !slices.Equal(all, model) {
		t.Fatalf("index holds %d keys, model %d (or order differs)", len(all), len(model))
	}
	for range 50 {
		k := fmt.Sprintf("k%05d", rng.IntN(21000))
		j, _ := slices.BinarySearch(model, k)
		c := x.seek(k)
		if j == len(model) {
			if c.valid() {
				t.Fatalf("seek(%q) found %q past the end", k, c.key())
			}
			continue
		}
		if !c.valid() || c.key() != model[j] {
			t.Fatalf("seek(%q) wrong", k)
		}
	}
}

func TestPrefixSuccessor(t *testing.T) {
	for in, want := range map[string]string{"a/": "a0", "ab": "ac", "a\xff": "b", "": ""} {
		got, ok := prefixSuccessor(in)
		if got != want || ok != (want != "") {
			t.Errorf("prefixSuccessor(%q) = %q, %v", in, got, ok)
		}
	}
}

func TestParseRange(t *testing.T) {
	for _, tc := range []struct {
		h                  string
		size               int64
		start, end         int64
		partial, satisfied bool
	}{
		{"", 10, 0, 10, false, true},
		{"bytes=0-0", 10, 0, 1, true, true},
		{"bytes=2-", 10, 2, 10, true, true},
		{"bytes=-3", 10, 7, 10, true, true},
		{"bytes=-30", 10, 0, 10, true, true},
		{"bytes=5-100", 10, 5, 10, true, true},
		{"bytes=10-", 10, 0, 0, false, false},
		{"bytes=-0", 10, 0, 0, false, false},
		{"bytes=0-", 0, 0, 0, false, false},
		{"bytes=5-2", 10, 0, 10, false, true},
		{"bytes=0-1,3-4", 10, 0, 10, false, true},
		{"items=0-1", 10, 0, 10, false, true},
	} {
		s, e, p, ok := parseRange(tc.h, tc.size)
		if s != tc.start || e != tc.end || p != tc.partial || ok != tc.satisfied {
			t.Errorf("parseRange(%q, %d) = %d %d %v %v", tc.h, tc.size, s, e, p, ok)
		}
	}
}
