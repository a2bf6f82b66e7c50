package ftpretrieve

import (
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"strings"
	"time"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/ftpsource"
	"github.com/tenantops/tenantops/internal/settings"
)

// targetSettings are the settings of the delivery target.
var targetSettings = clients.SinkSettings{Target: settings.FTPTarget,
	Directory: settings.FTPTargetDirectory, Container: settings.FTPTargetContainer}

// config is FtpRetrieve's settings for one run, with the date tokens of
// the pattern and the subfolder resolved for that run's day.
type config struct {
	server     string
	user       string
	password   string
	tlsMode    ftpsource.TLSMode
	caCert     *x509.CertPool // nil: system roots
	timeout    time.Duration
	maxConns   int
	sourceDir  string
	pattern    *glob
	minAge     time.Duration
	target     clients.SinkTarget // its Subfolder resolved for the run's day
	zone       *time.Location
	now        time.Time // the run's clock reading, in zone
	rawPattern string
	// unparsedRunsLimit is how many runs in a row may list lines that are
	// not understood before status and the alert flag it.
	unparsedRunsLimit int
}

// loadConfig reads every FtpRetrieve setting and reports all the bad ones
// in one error.
func loadConfig(env settings.Env, now time.Time) (*config, error) {
	p := settings.NewParser(env)
	c := &config{
		server:    p.String(settings.FTPServer),
		user:      p.String(settings.FTPUsername),
		password:  p.String(settings.FTPPassword),
		tlsMode:   ftpsource.TLSMode(p.OneOf(settings.FTPTLS)),
		timeout:   p.Duration(settings.FTPTimeout),
		maxConns:  p.Int(settings.FTPMaxConnections),
		sourceDir: p.String(settings.FTPSourceDirectory),
		minAge:    p.Duration(settings.FTPMinFileAge),
		target:    clients.ReadSinkTarget(p, targetSettings),
		zone:      p.Zone(),

		unparsedRunsLimit: p.Int(settings.FTPUnparsedRunsLimit),
	}
	c.now = now.In(c.zone)
	if c.timeout == 0 {
		p.Fail(settings.FTPTimeout, "want a positive duration")
	}
	if pem := p.Certificates(settings.FTPCACert); pem != nil {
		c.caCert = x509.NewCertPool()
		c.caCert.AppendCertsFromPEM(pem)
	}
	c.rawPattern = p.String(settings.FTPFilePattern)
	var err error
	if c.pattern, err = parsePattern(c.rawPattern, c.now); err != nil {
		p.Fail(settings.FTPFilePattern, err.Error())
	}
	if c.target.Subfolder, err = parseSubfolder(subfolderSetting(env, p), c.now); err != nil {
		p.Fail(settings.FTPTargetSubfolder, err.Error())
	}
	// One upload process per transfer worker receives all of its files.
	c.target.Workers = c.maxConns
	if err := p.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// subfolderSetting returns FTPTargetSubfolder; set but empty means no
// subfolder, unset means the default.
func subfolderSetting(env settings.Env, p *settings.Parser) string {
	if v, ok := env.Lookup(settings.FTPTargetSubfolder.Name); ok && strings.TrimSpace(v) == "" {
		return ""
	}
	return p.String(settings.FTPTargetSubfolder)
}

// sourceOptions returns the FTP client options.
func (c *config) sourceOptions(log *slog.Logger) ftpsource.Options {
	o := ftpsource.Options{
		Addr: c.server, User: c.user, Password: c.password, TLS: c.tlsMode,
		Timeout: c.timeout, MaxConnections: c.maxConns, Log: log,
	}
	if c.caCert != nil {
		o.TLSConfig = &tls.Config{RootCAs: c.caCert}
	}
	return o
}

// stateKey identifies a source and a target: what was delivered from this
// folder of this server to this place.
func (c *config) stateKey() string {
	return strings.Join([]string{strings.ToLower(c.server), c.sourceDir, c.target.Kind, c.target.Where()}, "\n")
}
