package entradelta

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/graph"
	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/sink"
	"github.com/tenantops/tenantops/internal/storage"
)

// The run budget: host.json's functionTimeout is 30 minutes. Reading stops
// after readBudget so that writing, delivering and committing a large
// round still fit; the whole run is cut at runTimeout.
const (
	runTimeout = 25 * time.Minute
	readBudget = 18 * time.Minute
)

// Targets of EntraExportTarget.
const (
	targetWinRM = "winrm"
	targetBlob  = "blob"
	targetLocal = "local"
)

// config is EntraDeltaExport's settings.
type config struct {
	userAttrs, groupAttrs []string
	target                string
	directory             string // winrm or local
	container             string // blob
	stateContainer        string
	retentionDays         int
	fullFileDays          int
	graph                 clients.GraphConfig
}

// loadConfig reads every setting and reports all the bad ones in one error.
func loadConfig(env settings.Env) (*config, error) {
	p := settings.NewParser(env)
	c := &config{
		userAttrs:      attributeList(p, settings.EntraUserAttributes, "users"),
		groupAttrs:     attributeList(p, settings.EntraGroupAttributes, "groups"),
		target:         p.OneOf(settings.EntraExportTarget, targetWinRM, targetBlob, targetLocal),
		stateContainer: p.String(settings.EntraStateContainer),
		retentionDays:  p.Int(settings.EntraExportRetentionDays),
		fullFileDays:   p.Int(settings.EntraFullFileDays),
		graph:          clients.GraphConfigFrom(p),
	}
	if c.retentionDays < 0 {
		p.Fail(settings.EntraExportRetentionDays, "want 0 (keep all) or more days")
	}
	switch c.target {
	case targetWinRM:
		c.directory = p.Require(settings.EntraExportDirectory, "EntraExportTarget=winrm")
		for _, s := range []settings.Spec{settings.MIMSyncServer, settings.MIMSyncCredUser, settings.MIMSyncCredPassword} {
			p.String(s)
		}
	case targetLocal:
		c.directory = p.Require(settings.EntraExportDirectory, "EntraExportTarget=local")
	case targetBlob:
		c.container = p.Require(settings.EntraExportContainer, "EntraExportTarget=blob")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// attributeList reads a comma list of Graph property names of resource
// ("users" or "groups"), refusing names delta cannot export.
func attributeList(p *settings.Parser, s settings.Spec, resource string) []string {
	value := p.String(s)
	if err := checkAttributes(resource, value); err != nil {
		p.Fail(s, err.Error())
		return nil
	}
	var out []string
	for _, name := range strings.Split(value, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !strings.EqualFold(name, "id") && !strings.EqualFold(name, "members") {
			out = append(out, name)
		}
	}
	return out
}

// isPropertyName accepts Graph property names: letters, digits, '_' and
// the '@'/'.' of annotations such as onPremisesExtensionAttributes.
func isPropertyName(s string) bool {
	for _, r := range s {
		ok := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return s != ""
}

// runFull reads {"full":true} from the timer's data (handler run --data).
func runFull(inv *function.Invocation) bool {
	for _, name := range []string{"timer", "full"} {
		text, ok := inv.Request.DataString(name)
		if !ok {
			continue
		}
		if name == "full" {
			return strings.EqualFold(strings.TrimSpace(text), "true")
		}
		var data struct {
			Full bool `json:"full"`
		}
		if json.Unmarshal([]byte(text), &data) == nil && data.Full {
			return true
		}
	}
	return false
}

func run(ctx context.Context, inv *function.Invocation) error {
	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()
	c, err := loadConfig(inv.Env)
	if err != nil {
		return err
	}
	client, err := openGraph(c, inv.Log)
	if err != nil {
		return err
	}
	account, err := clients.Storage(inv.Env)
	if err != nil {
		return err
	}
	if err := account.EnsureContainer(ctx, c.stateContainer); err != nil {
		return err
	}
	target, lister, closeSink, err := openSink(ctx, c, inv.Env, account, inv.Log)
	if err != nil {
		return err
	}
	defer closeSink()
	_, err = Export(ctx, Options{Graph: client, Storage: account, Container: c.stateContainer, Sink: target,
		Lister: lister, UserAttributes: c.userAttrs, GroupAttributes: c.groupAttrs, RetentionDays: c.retentionDays,
		FullFileDays: c.fullFileDays, Full: runFull(inv), ReadBudget: readBudget, Now: inv.Now, Log: inv.Log, Figure: inv.Figure})
	return err
}

// openGraph returns the Graph client, with the process's credential.
func openGraph(c *config, log *slog.Logger) (*graph.Client, error) {
	client, err := clients.Graph(c.graph, log)
	if err != nil {
		return nil, fmt.Errorf("EntraDeltaExport: %w", err)
	}
	return client, nil
}

// openSink builds the sink EntraExportTarget names, with its lister.
func openSink(ctx context.Context, c *config, env settings.Env, account *storage.Account, log *slog.Logger) (sink.Sink, sink.Lister, func(), error) {
	switch c.target {
	case targetLocal:
		l, err := sink.NewLocal(c.directory, "")
		if err != nil {
			return nil, nil, nil, err
		}
		return l, l, func() { l.Close() }, nil
	case targetBlob:
		if err := account.EnsureContainer(ctx, c.container); err != nil {
			return nil, nil, nil, err
		}
		b, err := sink.NewBlob(account.Blob, c.container, "")
		return b, b, func() {}, err
	default:
		p := settings.NewParser(env)
		cfg := clients.WinRM(p)
		if err := p.Err(); err != nil {
			return nil, nil, nil, err
		}
		client, err := remoteps.New(cfg, log)
		if err != nil {
			return nil, nil, nil, err
		}
		w, err := sink.NewWinRM(clients.WinRMClient{Client: client}, c.directory, "")
		if err != nil {
			return nil, nil, nil, err
		}
		return w, sink.NewWinRMLister(w, clients.WinRMClient{Client: client}), func() {}, nil
	}
}
