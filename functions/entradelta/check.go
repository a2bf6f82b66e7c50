package entradelta

import (
	"context"
	"errors"
	"fmt"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/graph"
	"github.com/tenantops/tenantops/internal/sink"
	"github.com/tenantops/tenantops/internal/storage"
)

// check gets a token, reads one delta page of each stream from "now on"
// ($deltatoken=latest, the cheapest request), and checks the export target
// and the state container.
func check(ctx context.Context, inv *function.Invocation) []function.CheckResult {
	row := func(dep string) function.CheckResult {
		return function.CheckResult{Dependency: "EntraDeltaExport " + dep}
	}
	settingsRow := row("settings")
	c, err := loadConfig(inv.Env)
	if err != nil {
		settingsRow.Why = err.Error()
		return []function.CheckResult{settingsRow}
	}
	settingsRow.OK, settingsRow.Why = true, fmt.Sprintf("target %s, %d user and %d group attributes", c.target.Kind, len(c.userAttrs), len(c.groupAttrs))
	rows := []function.CheckResult{settingsRow, graphRow(ctx, inv, c)}

	account, err := clients.Storage(inv.Env)
	stateRow := row("state container " + c.stateContainer)
	if err == nil {
		err = account.EnsureContainer(ctx, c.stateContainer)
	}
	if err == nil {
		_, _, err = stateStore{account: account, container: c.stateContainer}.read(ctx)
	}
	if err != nil {
		stateRow.Why = err.Error()
		return append(rows, stateRow)
	}
	stateRow.OK, stateRow.Why = true, "reachable; state readable"
	return append(rows, stateRow, targetRow(ctx, inv, c, account))
}

// graphRow gets a token and reads one page of each stream.
func graphRow(ctx context.Context, inv *function.Invocation, c *config) function.CheckResult {
	r := function.CheckResult{Dependency: "EntraDeltaExport Microsoft Graph " + c.graph.Endpoint}
	client, err := openGraph(c, inv.Log)
	if err != nil {
		r.Why = err.Error()
		return r
	}
	x := &exporter{opts: Options{Graph: client, UserAttributes: c.userAttrs, GroupAttributes: c.groupAttrs}}
	for _, s := range []struct {
		class, resource string
		attrs           []string
	}{{classUser, "users", c.userAttrs}, {classGroup, "groups", c.groupAttrs}} {
		_, err := client.Page(ctx, client.LatestURL(s.resource, s.attrs))
		if errors.Is(err, graph.ErrUnselectable) {
			err = x.unselectable(ctx, s.class, err)
		}
		if err != nil {
			r.Why = err.Error()
			return r
		}
	}
	r.OK, r.Why = true, "token acquired; users and groups delta read ($deltatoken=latest)"
	return r
}

// targetRow checks that the export target can be listed.
func targetRow(ctx context.Context, inv *function.Invocation, c *config, account *storage.Account) function.CheckResult {
	r := function.CheckResult{Dependency: fmt.Sprintf("EntraDeltaExport export target (%s %s)", c.target.Kind, c.target.Where())}
	target, err := clients.OpenSink(ctx, c.target, account, inv.Log)
	if err != nil {
		r.Why = err.Error()
		return r
	}
	defer closeSink(target, inv.Log)
	files, err := target.Lister.List(ctx)
	if err != nil {
		r.Why = err.Error()
		return r
	}
	n := 0
	for _, f := range files {
		if _, _, ok := parseFileName(f.Name); ok {
			n++
		}
	}
	r.OK, r.Why = true, fmt.Sprintf("reachable; %d change file(s) there", n)
	if n == 0 && c.target.Kind != sink.KindBlob {
		r.Why += " (a missing folder is created by the first delivery)"
	}
	return r
}
