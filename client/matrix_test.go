package client

import (
	"os"
	"strings"
	"testing"
)

// featureMatrix renders the dialect feature table the README shows.
func featureMatrix() string {
	ds := []*Dialect{&QingStor, &COS, &S3, &IBM}
	var b strings.Builder
	b.WriteString("| feature | QingStor | COS | S3 | IBM |\n|---|---|---|---|---|\n")
	for _, f := range AllFeatures() {
		b.WriteString("| " + f.String() + " |")
		for _, d := range ds {
			if d.Has(f) {
				b.WriteString(" yes |")
			} else {
				b.WriteString(" — |")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestREADMEFeatureMatrix keeps the README's feature table equal to the
// dialect table in code. Run with -update-readme-matrix=1 in the
// environment (POLYSTORE_PRINT_MATRIX=1) to print the table.
func TestREADMEFeatureMatrix(t *testing.T) {
	want := featureMatrix()
	if os.Getenv("POLYSTORE_PRINT_MATRIX") != "" {
		t.Logf("\n%s", want)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), want) {
		t.Errorf("README.md's feature table differs from the dialect table; it should contain:\n%s", want)
	}
}
