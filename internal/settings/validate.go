package settings

import (
	"fmt"

	"github.com/tenantops/tenantops/internal/opstime"
)

// kinds says how each typed catalog setting is read. A setting not listed is
// free text, checked only for presence when Required.
var kinds = map[string]func(p *Parser, s Spec){
	OpsTimeZone.Name:                    zone,
	WebsiteTimeZone.Name:                zone,
	MIMSyncWinRMPort.Name:               port,
	MIMSyncWinRMUseHTTPS.Name:           func(p *Parser, s Spec) { p.Bool(s) },
	MIMSyncWinRMInsecureSkipVerify.Name: func(p *Parser, s Spec) { p.Bool(s) },
	MIMBackupFolderFormat.Name:          dateFormat,
	MIMBackupRetentionDays.Name:         func(p *Parser, s Spec) { p.Int(s) },
	FTPTarget.Name:                      func(p *Parser, s Spec) { p.OneOf(s, "winrm", "blob", "local") },
	FTPTLS.Name:                         func(p *Parser, s Spec) { p.OneOf(s, "explicit", "implicit", "none") },
	FTPMaxConnections.Name:              atLeastOne,
	FTPMinFileAge.Name:                  func(p *Parser, s Spec) { p.Duration(s) },
	FTPTimeout.Name:                     func(p *Parser, s Spec) { p.Duration(s) },
	SPCleanupMode.Name:                  func(p *Parser, s Spec) { p.OneOf(s, "recycle", "delete") },
	SPCleanupTargets.Name:               listColumns,
	EntraExportTarget.Name:              func(p *Parser, s Spec) { p.OneOf(s, "winrm", "blob", "local") },
	EntraExportRetentionDays.Name:       func(p *Parser, s Spec) { p.Int(s) },
}

// Validate reads every one of specs the way the code that uses it does and
// returns one *Error naming each setting that is missing (when required) or
// malformed, or nil. Settings that are required only in some configurations
// are left to the functions that know the configuration.
func Validate(env Env, specs []Spec) error {
	p := NewParser(env)
	for _, s := range specs {
		if read, ok := kinds[s.Name]; ok {
			read(p, s)
			continue
		}
		p.Raw(s)
	}
	return p.Err()
}

// zone checks the zone the code will use: WEBSITE_TIME_ZONE matters only
// when OpsTimeZone is unset.
func zone(p *Parser, _ Spec) { p.Zone() }

func port(p *Parser, s Spec) {
	if n := p.Int(s); p.Set(s) && (n < 1 || n > 65535) && p.problems[s.Name] == "" {
		p.Fail(s, fmt.Sprintf("want a TCP port from 1 to 65535, got %d", n))
	}
}

func atLeastOne(p *Parser, s Spec) {
	if n := p.Int(s); p.Set(s) && n < 1 && p.problems[s.Name] == "" {
		p.Fail(s, "want at least 1")
	}
}

func dateFormat(p *Parser, s Spec) {
	if v := p.Raw(s); v != "" {
		if err := opstime.Validate(v); err != nil {
			p.Fail(s, err.Error())
		}
	}
}
