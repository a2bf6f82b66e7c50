package peakmem_test

import (
	"runtime"
	"testing"

	"github.com/tenantops/tenantops/internal/testonly/peakmem"
)

func TestVmHWMGrowsWithMemoryTouched(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("VmHWM is read from Linux's /proc")
	}
	before := peakmem.VmHWM()
	block := make([]byte, 64<<20)
	for i := range block {
		block[i] = 1
	}
	after := peakmem.VmHWM()
	if before <= 0 || after < before+32<<10 {
		t.Errorf("VmHWM %d KiB before touching 64 MiB, %d after", before, after)
	}
	runtime.KeepAlive(block)
}
