package mimconfigbackup

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/remoteps"
)

// checkReport is check.ps1's output.
type checkReport struct {
	PSVersion     string      `json:"psVersion"`
	Lithnet       probeResult `json:"lithnet"`
	FIMAutomation probeResult `json:"fimAutomation"`
	RootWritable  probeResult `json:"rootWritable"`
}

type probeResult struct {
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// check opens a shell on the MIM server and reports the PowerShell
// version, whether the Lithnet module and the FIMAutomation snap-in load,
// and whether the backup root is writable.
func check(ctx context.Context, inv *function.Invocation) []function.CheckResult {
	p := inv.Settings()
	opts := readOptions(p)
	settingsRow := function.CheckResult{Dependency: "MimConfigBackup settings", OK: true, Why: "valid"}
	if err := p.Err(); err != nil {
		settingsRow.OK, settingsRow.Why = false, err.Error()
		return []function.CheckResult{settingsRow}
	}
	shellRow := function.CheckResult{Dependency: fmt.Sprintf("WinRM shell on %s:%d", opts.winrm.Host, opts.winrm.Port)}
	client, err := remoteps.New(opts.winrm, inv.Log)
	if err != nil {
		shellRow.Why = err.Error()
		return []function.CheckResult{settingsRow, shellRow}
	}
	res, err := client.Run(ctx, checkScript, map[string]string{"root": opts.root})
	var rep checkReport
	if err == nil {
		err = json.Unmarshal([]byte(lastLine(res.Stdout)), &rep)
	}
	if err != nil {
		shellRow.Why = err.Error()
		return []function.CheckResult{settingsRow, shellRow}
	}
	shellRow.OK, shellRow.Why = true, "PowerShell "+rep.PSVersion
	return []function.CheckResult{settingsRow, shellRow,
		probeRow("LithnetMiisAutomation module loads", rep.Lithnet),
		probeRow("FIMAutomation snap-in loads", rep.FIMAutomation),
		probeRow(`backup root writable (`+opts.root+`)`, rep.RootWritable),
	}
}

func probeRow(dependency string, r probeResult) function.CheckResult {
	return function.CheckResult{Dependency: dependency, OK: r.OK, Why: r.Detail}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
