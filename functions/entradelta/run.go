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
	"github.com/tenantops/tenantops/internal/settings"
)

// The run budget: host.json's functionTimeout is 30 minutes. Reading stops
// after readBudget so that writing, delivering and committing a large
// round still fit; the whole run is cut at runTimeout.
const (
	runTimeout = 25 * time.Minute
	readBudget = 18 * time.Minute
)

// targetSettings are the settings of the export target.
var targetSettings = clients.SinkSettings{Target: settings.EntraExportTarget,
	Directory: settings.EntraExportDirectory, Container: settings.EntraExportContainer}

// config is EntraDeltaExport's settings.
type config struct {
	userAttrs, groupAttrs []string
	target                clients.SinkTarget
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
		target:         clients.ReadSinkTarget(p, targetSettings),
		stateContainer: p.String(settings.EntraStateContainer),
		retentionDays:  p.Int(settings.EntraExportRetentionDays),
		fullFileDays:   p.Int(settings.EntraFullFileDays),
		graph:          clients.GraphConfigFrom(p),
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
	target, err := clients.OpenSink(ctx, c.target, account, inv.Log)
	if err != nil {
		return err
	}
	defer closeSink(target, inv.Log)
	_, err = Export(ctx, Options{Graph: client, Storage: account, Container: c.stateContainer, Sink: target.Sink,
		Lister: target.Lister, UserAttributes: c.userAttrs, GroupAttributes: c.groupAttrs, RetentionDays: c.retentionDays,
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

// closeSink releases the export target; a failure there loses nothing
// already committed, so it is only logged.
func closeSink(target *clients.Delivery, log *slog.Logger) {
	if err := target.Close(); err != nil {
		log.Warn("entradelta: closing the export target", "err", err.Error())
	}
}
