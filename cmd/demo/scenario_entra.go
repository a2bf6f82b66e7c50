package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tenantops/tenantops/internal/testonly/graphtest"
	"github.com/tenantops/tenantops/internal/testonly/identitytest"
)

func init() {
	register(scenario{Name: "EntraDeltaExport", Order: 50, Setup: setUpEntra, Run: runEntra})
}

// entraDemo is what the Entra scenario's setup leaves for its run.
type entraDemo struct {
	graph  *graphtest.Server
	folder string
	users  []string
	group  string
}

var entraState entraDemo

// setUpEntra starts a Graph stand-in that accepts only managed identity
// tokens (the SharePoint scenario's identity endpoint when it runs, else
// one of its own), with 700 users and a group of 650 of them: more member
// links than one page holds, so its members span several pages.
func setUpEntra(ctx context.Context, st *Stage) (map[string]string, error) {
	settings := map[string]string{}
	identity := spState.identity
	if identity == nil {
		var err error
		if identity, err = identitytest.Start(identitytest.Options{}); err != nil {
			return nil, err
		}
		st.Cleanup(func() { _ = identity.Close() })
		settings["IDENTITY_ENDPOINT"], settings["IDENTITY_HEADER"] = identity.IdentityEndpoint, identity.IdentityHeader
	}
	srv := graphtest.New(graphtest.Options{VerifyToken: identity.Verify})
	st.Cleanup(srv.Close)
	var users []string
	for i := range 700 {
		users = append(users, srv.AddUser(map[string]any{"displayName": fmt.Sprintf("User %03d", i),
			"userPrincipalName": fmt.Sprintf("user%03d@contoso.example", i), "accountEnabled": true}))
	}
	group := srv.AddGroup(map[string]any{"displayName": "Engineering", "securityEnabled": true})
	for _, u := range users[:650] {
		if err := srv.AddMember(group, u); err != nil {
			return nil, err
		}
	}
	if err := srv.AddMember(group, srv.AddObject(graphtest.KindDevice, "", map[string]any{"displayName": "build-agent"})); err != nil {
		return nil, err
	}
	entraState = entraDemo{graph: srv, folder: filepath.Join(st.Dir, "export"), users: users, group: group}
	settings["EntraGraphEndpoint"] = srv.URL()
	settings["EntraExportTarget"] = "local"
	settings["EntraExportDirectory"] = entraState.folder
	return settings, nil
}

// runEntra runs a full round, changes the tenant, runs a delta round and a
// round without changes, and shows the files.
func runEntra(ctx context.Context, st *Stage, host Host, out io.Writer) error {
	e := entraState
	fmt.Fprintf(out, "Graph stand-in %s: 700 users, group Engineering with 650 of them and a device (more links than one page holds)\n", e.graph.URL())
	if err := host.Fire(ctx, "EntraDeltaExport"); err != nil {
		return fmt.Errorf("first run: %w", err)
	}
	fmt.Fprintf(out, "first EntraDeltaExport (%d Graph requests): a full round; MIM must run a Full Import\n", e.graph.Requests())
	added := e.graph.AddUser(map[string]any{"displayName": "New Hire", "userPrincipalName": "new.hire@contoso.example", "accountEnabled": true})
	steps := []error{
		e.graph.AddMember(e.group, added),
		e.graph.RemoveMember(e.group, e.users[5]),
		e.graph.UpdateGroup(e.group, map[string]any{"displayName": "Engineering (all)"}),
		e.graph.SoftDeleteUser(e.users[680]),
	}
	for _, err := range steps {
		if err != nil {
			return err
		}
	}
	fmt.Fprintln(out, "in Entra: added a user to Engineering, removed User 005 from it, renamed it, soft-deleted User 680")
	e.graph.ResetRequests()
	if err := host.Fire(ctx, "EntraDeltaExport"); err != nil {
		return fmt.Errorf("second run: %w", err)
	}
	fmt.Fprintf(out, "second EntraDeltaExport (%d Graph requests): a delta round\n", e.graph.Requests())
	e.graph.ResetRequests()
	if err := host.Fire(ctx, "EntraDeltaExport"); err != nil {
		return fmt.Errorf("third run: %w", err)
	}
	fmt.Fprintf(out, "third EntraDeltaExport (%d Graph requests): nothing changed, no file\n", e.graph.Requests())
	return showEntraFiles(e.folder, out)
}

// showEntraFiles prints each change file: its header and a line per object.
func showEntraFiles(folder string, out io.Writer) error {
	entries, err := os.ReadDir(folder)
	if err != nil {
		return err
	}
	var names []string
	for _, en := range entries {
		if strings.HasSuffix(en.Name(), ".jsonl") {
			names = append(names, en.Name())
		}
	}
	sort.Strings(names)
	if len(names) != 2 {
		return fmt.Errorf("%d change files, want a full and a delta: %v", len(names), names)
	}
	fmt.Fprintf(out, "files in %s:\n", folder)
	for _, name := range names {
		if err := showEntraFile(filepath.Join(folder, name), name, out); err != nil {
			return err
		}
	}
	return nil
}

func showEntraFile(path, name string, out io.Writer) error {
	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	sc := bufio.NewScanner(in)
	sc.Buffer(nil, 16<<20)
	for i := 0; sc.Scan(); i++ {
		if i == 0 {
			fmt.Fprintf(out, "  %s  %s\n", name, sc.Text())
			continue
		}
		var o struct {
			ObjectClass, ID, ChangeType string
			Attributes                  map[string]any
			Members                     []string
		}
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			return fmt.Errorf("%s line %d: %w", name, i+1, err)
		}
		if strings.HasSuffix(name, "-full.jsonl") && i > 3 && o.ObjectClass == "user" {
			continue // the full file's users, after the first three
		}
		detail := fmt.Sprint(o.Attributes["displayName"])
		if o.ObjectClass == "group" {
			detail += fmt.Sprintf(": complete list of %d members", len(o.Members))
		}
		if o.ChangeType == "delete" {
			detail = "(" + o.ID + ")"
		}
		fmt.Fprintf(out, "    %-5s %-6s %s\n", o.ObjectClass, o.ChangeType, detail)
	}
	return sc.Err()
}
