package main

import (
	"os"
	"testing"
)

// TestStatCPU: utime and stime are fields 14 and 15 counted after the
// command name, whatever that name holds.
func TestStatCPU(t *testing.T) {
	line := "4242 (a (b) c) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 125 0 0 20 0 8 0 123 456 789\n"
	cpu, err := statCPU([]byte(line))
	if err != nil || cpu != 3.75 {
		t.Fatalf("statCPU = %v, %v; want 3.75 s (250 + 125 ticks)", cpu, err)
	}
	for _, bad := range []string{"4242 no name S 1", "4242 (x) S 1 2 3", "4242 (x) S 1 4242 4242 0 -1 4194304 100 0 0 0 ab 125 0"} {
		if _, err := statCPU([]byte(bad)); err == nil {
			t.Errorf("statCPU(%q) passed", bad)
		}
	}
	if _, err := procCPU(os.Getpid()); err != nil {
		t.Errorf("procCPU of this process: %v", err)
	}
	if cpu, err := procCPU(0); cpu != 0 || err != nil {
		t.Errorf("procCPU(0) = %v, %v; want 0, nil", cpu, err)
	}
}
