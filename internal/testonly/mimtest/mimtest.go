// Package mimtest emulates a MIM Sync server for MimConfigBackup's tests and
// the demo. It is the remote side of backup.ps1 and check.ps1, done in Go on
// a winrmtest.Disk: what the Lithnet cmdlets, Export-FIMConfig and the file
// system would produce, including their failures.
package mimtest

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// ExtensionsPath is where the emulated server keeps its rules extensions.
const ExtensionsPath = `C:\Program Files\Microsoft Forefront Identity Manager\2010\Synchronization Service\Extensions`

// MA is one management agent.
type MA struct {
	Name    string
	Type    string // e.g. "AD", "Extensible2"
	Version int    // bump it to change the MA's configuration
}

// Server is the emulated MIM server. Change its fields between runs to
// change what the next backup finds; it is safe to do so between runs only.
type Server struct {
	Disk       *winrmtest.Disk
	MAs        []MA
	Extensions map[string]string // relative path (backslashes) -> content, under ExtensionsPath
	Schema     string            // MIM Service configuration as Export-FIMConfig would give it
	Policy     string
	Portal     string
	PSVersion  string

	NoLithnet       bool              // LithnetMiisAutomation is not installed
	NoFIMAutomation bool              // the FIMAutomation snap-in is not installed
	ServiceDown     bool              // the MIM Service does not answer
	FailMAs         map[string]string // MA name -> the error Export-ManagementAgent throws
	FailZip         string            // the error ZipFile.CreateFromDirectory throws; "" = none
	// NoReadRights: no management policy rule grants the account read
	// access in the MIM Service, so Export-FIMConfig returns nothing.
	NoReadRights bool
	// StepDelay makes a step of backup.ps1 take this long before its work;
	// the run is killed in the middle when the client deletes the shell.
	StepDelay map[string]time.Duration
	// BreakDownload makes download.ps1 fail after sending this many bytes
	// of the file (the connection dropped); 0 = never.
	BreakDownload int64
	// DownloadDelay makes download.ps1 wait this long before it sends
	// anything (a slow disk or link); the wait ends when the run is killed.
	DownloadDelay time.Duration

	mu    sync.Mutex
	clock func() time.Time
}

// New returns a server with four management agents, a few extension files
// and a MIM Service configuration, on disk.
func New(disk *winrmtest.Disk) (*Server, error) {
	s := &Server{
		Disk: disk,
		MAs:  []MA{{"AD", "AD", 7}, {"AAD", "Extensible2", 3}, {"HR", "Extensible2", 12}, {"MIMService", "FIM", 5}},
		Extensions: map[string]string{
			`Contoso.Mim.Rules.dll`:           "MZ rules extension v12",
			`Contoso.Mim.Rules.dll.config`:    "<configuration><appSettings/></configuration>",
			`HR\Contoso.Mim.HR.Connector.dll`: "MZ ECMA2 connector for the HR system",
		},
		Schema:    `<Results><ExportObject><ResourceManagementObject><ObjectType>AttributeTypeDescription</ObjectType></ResourceManagementObject></ExportObject></Results>`,
		Policy:    `<Results><ExportObject><ResourceManagementObject><ObjectType>ManagementPolicyRule</ObjectType></ResourceManagementObject></ExportObject></Results>`,
		Portal:    `<Results><ExportObject><ResourceManagementObject><ObjectType>Configuration</ObjectType></ResourceManagementObject></ExportObject></Results>`,
		PSVersion: "5.1.17763.5576",
		clock:     time.Now,
	}
	return s, s.WriteExtensions()
}

// WriteExtensions puts the Extensions files on disk.
func (s *Server) WriteExtensions() error {
	names := make([]string, 0, len(s.Extensions))
	for n := range s.Extensions {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := s.Disk.WriteFile(ExtensionsPath+`\`+n, []byte(s.Extensions[n])); err != nil {
			return fmt.Errorf("mimtest: %w", err)
		}
	}
	return nil
}

// SetClock sets the time export dates are stamped with.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	s.clock = now
	s.mu.Unlock()
}

func (s *Server) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock()
}

// Host returns the winrmtest machine that runs the function's scripts
// against this server (and remoteps' upload and download).
func (s *Server) Host() *winrmtest.Host {
	return &winrmtest.Host{Scripts: map[string]winrmtest.ScriptFunc{
		"backup":    s.backup,
		"check":     s.check,
		"upload":    winrmtest.UploadScript(s.Disk),
		"download":  s.download,
		"removezip": s.removeZip,
	}}
}

// Errors the emulated cmdlets throw, in Windows' words.
const (
	errNoLithnet = "The specified module 'LithnetMiisAutomation' was not loaded because no valid module file was found in any module directory."
	errNoFIM     = "The Windows PowerShell snap-in 'FIMAutomation' is not installed on this computer."
	// errEmptyExport is backup.ps1's own error for an export that returned nothing.
	errEmptyExport = "Export-FIMConfig returned nothing for schema.xml, policy.xml, portal.xml: the account most likely lacks read rights " +
		"in the MIM Service (no management policy rule grants it read access to the configuration objects)"
)

// stepDelay waits out a step's delay; it returns ctx's error when the run
// is killed first.
func (s *Server) stepDelay(ctx context.Context, step string) error {
	return s.delay(ctx, s.StepDelay[step])
}

// delay waits d, or until ctx ends (ctx's error).
func (s *Server) delay(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) serviceDown(uri string) string {
	return "Failed to connect to the MIM Service at " + uri + ": No connection could be made because the target machine actively refused it."
}

// check emulates check.ps1.
func (s *Server) check(ctx context.Context, c *winrmtest.Call) int {
	return runJSON(c, func(params map[string]any) (any, error) {
		probe := func(ok bool, detail string) map[string]any { return map[string]any{"ok": ok, "detail": detail} }
		lithnet, fim := probe(true, "version 2.1.0.0"), probe(true, "loaded")
		if s.NoLithnet {
			lithnet = probe(false, errNoLithnet)
		}
		if s.NoFIMAutomation {
			fim = probe(false, errNoFIM)
		}
		root := fmt.Sprint(params["root"])
		writable := probe(true, root)
		if err := s.Disk.WriteFile(root+`\.write-check`, []byte("check")); err != nil {
			writable = probe(false, err.Error())
		} else if p, err := s.Disk.Path(root + `\.write-check`); err == nil {
			removeFile(p)
		}
		return map[string]any{"psVersion": s.PSVersion, "lithnet": lithnet, "fimAutomation": fim, "rootWritable": writable}, nil
	})
}
