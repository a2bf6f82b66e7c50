package clients

import (
	"context"
	"io"

	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/sink"
)

// WinRMSettings are the MIM server's settings WinRM reads, for the
// declarations of the functions that use the MIM server.
var WinRMSettings = []settings.Spec{
	settings.MIMSyncServer, settings.MIMSyncCredUser, settings.MIMSyncCredPassword,
	settings.MIMSyncWinRMPort, settings.MIMSyncWinRMUseHTTPS, settings.MIMSyncWinRMCACert,
	settings.MIMSyncWinRMInsecureSkipVerify, settings.MIMSyncWinRMCertThumbprint, settings.MIMSyncWinRMTLSServerName,
}

// WinRM reads the MIMSync* settings into the remote PowerShell client's
// configuration. Problems are recorded on the parser; call p.Err afterwards.
func WinRM(p *settings.Parser) remoteps.Config {
	cfg := remoteps.Config{
		Host:               p.String(settings.MIMSyncServer),
		HTTPS:              p.Bool(settings.MIMSyncWinRMUseHTTPS),
		InsecureSkipVerify: p.Bool(settings.MIMSyncWinRMInsecureSkipVerify),
		User:               p.String(settings.MIMSyncCredUser),
		Password:           p.String(settings.MIMSyncCredPassword),
		Auth:               remoteps.AuthNTLM,
	}
	cfg.Port = p.Int(settings.MIMSyncWinRMPort)
	if !cfg.HTTPS && !p.Set(settings.MIMSyncWinRMPort) {
		cfg.Port = 5985 // the HTTP listener's port, when HTTPS is switched off without a port
	}
	cfg.CACertPEM = p.Certificates(settings.MIMSyncWinRMCACert)
	cfg.TLSServerName = p.String(settings.MIMSyncWinRMTLSServerName)
	cfg.CertSHA256 = p.Fingerprint(settings.MIMSyncWinRMCertThumbprint)
	if cfg.CertSHA256 != "" && !cfg.HTTPS {
		p.Fail(settings.MIMSyncWinRMCertThumbprint, "a certificate pin needs HTTPS (MIMSyncWinRMUseHTTPS=true)")
	}
	if cfg.CertSHA256 != "" && cfg.InsecureSkipVerify {
		p.Fail(settings.MIMSyncWinRMCertThumbprint, "set either the pin or MIMSyncWinRMInsecureSkipVerify, not both: the pin is the safe one")
	}
	return cfg
}

// WinRMClient adapts the remote PowerShell client to the WinRM sink and its
// lister: each upload runs its own PowerShell process.
type WinRMClient struct{ Client *remoteps.Client }

// Upload implements sink.Uploader.
func (r WinRMClient) Upload(ctx context.Context, src io.Reader, remotePath string) (sink.Uploaded, error) {
	res, err := r.Client.Upload(ctx, src, remotePath)
	if err != nil {
		return sink.Uploaded{}, err
	}
	return uploaded(res), nil
}

// RunScript implements sink.ScriptRunner.
func (r WinRMClient) RunScript(ctx context.Context, script string, params any) (string, error) {
	res, err := r.Client.Run(ctx, script, params)
	return res.Stdout, err
}

// WinRMUploads adapts the remote PowerShell client's shared upload
// processes to the WinRM sink: one process per transfer worker receives all
// of its files, and each file's size is announced, so that the server
// refuses a file unless exactly that many bytes arrive.
type WinRMUploads struct{ Uploads *remoteps.Uploads }

// Upload implements sink.Uploader.
func (r WinRMUploads) Upload(ctx context.Context, src io.Reader, remotePath string) (sink.Uploaded, error) {
	return r.UploadSized(ctx, src, remotePath, -1)
}

// UploadSized implements sink.SizedUploader.
func (r WinRMUploads) UploadSized(ctx context.Context, src io.Reader, remotePath string, size int64) (sink.Uploaded, error) {
	res, err := r.Uploads.UploadSized(ctx, src, remotePath, size)
	if err != nil {
		return sink.Uploaded{}, err
	}
	return uploaded(res), nil
}

// uploaded is the sink's view of a finished upload.
func uploaded(res remoteps.UploadResult) sink.Uploaded {
	return sink.Uploaded{Path: res.RemotePath, Size: res.Size, SHA256: res.SHA256}
}

// Compile-time checks that the adapters fit.
var (
	_ sink.Uploader      = WinRMClient{}
	_ sink.ScriptRunner  = WinRMClient{}
	_ sink.SizedUploader = WinRMUploads{}
)
