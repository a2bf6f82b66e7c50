package clients

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/sink"
	"github.com/tenantops/tenantops/internal/storage"
)

// SinkSettings names the settings that choose one function's delivery
// target: every function that delivers files has its own three.
type SinkSettings struct {
	Target    settings.Spec // an Enum of the sink kinds (sink.KindWinRM, ...)
	Directory settings.Spec // the folder, for winrm and local
	Container settings.Spec // the blob container, for blob
}

// Specs returns the settings the target uses, for the function's
// declaration: its own three, then the MIM server's (WinRMSettings), whose
// required ones are required only when the target is winrm.
func (s SinkSettings) Specs() []settings.Spec {
	winrm := settings.Condition{Setting: s.Target.Name, Values: []string{sink.KindWinRM}}
	specs := []settings.Spec{s.Target, s.Directory, s.Container}
	for _, spec := range WinRMSettings {
		if spec.Required {
			spec = spec.RequiredOnlyWhen(winrm)
		}
		specs = append(specs, spec)
	}
	return specs
}

// SinkTarget is where a function delivers files, read and checked.
type SinkTarget struct {
	Kind      string          // sink.KindWinRM, sink.KindBlob or sink.KindLocal
	Directory string          // winrm and local: the target folder
	Container string          // blob: a container of the app's storage account
	Subfolder string          // under Directory or Container; "" for none
	WinRM     remoteps.Config // winrm: the MIM server
	// Workers, for winrm, is the number of shared upload processes, one per
	// transfer worker, each receiving all of its worker's files; 0 starts one
	// process per file.
	Workers int
}

// Where is the target's folder or container, for logs and check output.
func (t SinkTarget) Where() string {
	if t.Kind == sink.KindBlob {
		return t.Container
	}
	return t.Directory
}

// ReadSinkTarget reads the target settings s names, and for winrm the MIM
// server's settings. Problems are recorded on the parser; call p.Err
// afterwards.
func ReadSinkTarget(p *settings.Parser, s SinkSettings) SinkTarget {
	t := SinkTarget{Kind: p.OneOf(s.Target)}
	because := s.Target.Name + "=" + t.Kind
	switch t.Kind {
	case sink.KindWinRM:
		t.Directory = p.Require(s.Directory, because)
		t.WinRM = WinRM(p)
	case sink.KindLocal:
		t.Directory = p.Require(s.Directory, because)
	case sink.KindBlob:
		t.Container = p.Require(s.Container, because)
	}
	return t
}

// Delivery is an opened sink and the lister of its folder.
type Delivery struct {
	Sink   sink.Sink
	Lister sink.Lister
	close  func() error
}

// Close releases the sink: it ends the shared upload processes of a winrm
// sink, or makes a local folder's renames durable.
func (d *Delivery) Close() error { return d.close() }

// OpenSink opens the sink t names. account is the app's storage account, in
// which a blob target's container is created when missing.
func OpenSink(ctx context.Context, t SinkTarget, account *storage.Account, log *slog.Logger) (*Delivery, error) {
	switch t.Kind {
	case sink.KindLocal:
		l, err := sink.NewLocal(t.Directory, t.Subfolder)
		if err != nil {
			return nil, err
		}
		return &Delivery{Sink: l, Lister: l, close: l.Close}, nil
	case sink.KindBlob:
		if err := account.EnsureContainer(ctx, t.Container); err != nil {
			return nil, err
		}
		b, err := sink.NewBlob(account.Blob, t.Container, t.Subfolder)
		if err != nil {
			return nil, err
		}
		return &Delivery{Sink: b, Lister: b, close: func() error { return nil }}, nil
	case sink.KindWinRM:
		return openWinRMSink(ctx, t, log)
	}
	return nil, fmt.Errorf("clients: sink: unknown target %q", t.Kind)
}

// openWinRMSink opens a winrm sink: uploads through shared processes when
// t.Workers is set, else one process per file.
func openWinRMSink(ctx context.Context, t SinkTarget, log *slog.Logger) (*Delivery, error) {
	client, err := remoteps.New(t.WinRM, log)
	if err != nil {
		return nil, err
	}
	var up sink.Uploader = WinRMClient{Client: client}
	closeUploads := func() error { return nil }
	if t.Workers > 0 {
		uploads := client.NewUploads(ctx, t.Workers)
		up, closeUploads = WinRMUploads{Uploads: uploads}, uploads.Close
	}
	w, err := sink.NewWinRM(up, t.Directory, t.Subfolder)
	if err != nil {
		_ = closeUploads()
		return nil, err
	}
	return &Delivery{Sink: w, Lister: sink.NewWinRMLister(w, WinRMClient{Client: client}), close: closeUploads}, nil
}
