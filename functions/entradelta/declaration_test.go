package entradelta_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/functions/entradelta"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/invoke"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/testonly/graphtest"
	"github.com/tenantops/tenantops/internal/testonly/identitytest"
)

// TestDeclarationRuns runs the function as the host would, from its app
// settings: a managed identity token for the Graph endpoint's audience
// (the stand-in refuses any other), the local and the blob target, a
// requested full round through the timer's data, and the run's figures.
func TestDeclarationRuns(t *testing.T) {
	account := requireAzurite(t)
	identity, err := identitytest.Start(identitytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = identity.Close() })
	t.Setenv("IDENTITY_ENDPOINT", identity.IdentityEndpoint)
	t.Setenv("IDENTITY_HEADER", identity.IdentityHeader)
	srv := graphtest.New(graphtest.Options{VerifyToken: identity.Verify})
	t.Cleanup(srv.Close)
	user := srv.AddUser(map[string]any{"displayName": "Ada", "userPrincipalName": "ada@contoso.example"})
	group := srv.AddGroup(map[string]any{"displayName": "Ops"})
	must(t, srv.AddMember(group, user))

	for _, target := range []string{"local", "blob"} {
		t.Run(target, func(t *testing.T) {
			state := "entra-state-" + target + "-" + time.Now().Format("150405.000000")
			state = strings.ReplaceAll(state, ".", "")
			env := settings.MapEnv{"AzureWebJobsStorage": azurite.ConnectionString, "EntraGraphEndpoint": srv.URL(),
				"EntraExportTarget": target, "EntraExportDirectory": t.TempDir(), "EntraExportContainer": state + "-files",
				"EntraStateContainer": state}
			inv := func(data string) *function.Invocation {
				return &function.Invocation{ID: "test", Function: "EntraDeltaExport", Env: env, Clock: time.Now,
					Log:     slog.New(slog.DiscardHandler),
					Request: invoke.Request{Data: map[string]json.RawMessage{"timer": json.RawMessage(data)}}}
			}
			first := inv(`{"Schedule":{"AdjustForDST":true},"IsPastDue":false}`)
			if err := entradelta.Declaration.Run(context.Background(), first); err != nil {
				t.Fatal(err)
			}
			figures := first.Figures()
			if figures["kind"] != "full" || figures["fileName"] != "000000000001-full.jsonl" || figures["objectsChanged"] != 2 ||
				figures["usersChanged"] != 1 || figures["groupsChanged"] != 1 || figures["deletes"] != 0 {
				t.Errorf("figures %v", figures)
			}
			again := inv(`{"full":true}`)
			if err := entradelta.Declaration.Run(context.Background(), again); err != nil {
				t.Fatal(err)
			}
			if f := again.Figures(); f["kind"] != "full" || f["fileName"] != "000000000002-full.jsonl" || f["deltaLinkAgeHours"] == nil {
				t.Errorf("a requested full round: figures %v", f)
			}
			checkStatus(t, inv("{}"))
			for _, row := range entradelta.Declaration.Check(context.Background(), inv("{}")) {
				if !row.OK {
					t.Errorf("check %s: %s", row.Dependency, row.Why)
				}
			}
			if target == "blob" {
				if _, _, err := account.ReadBlob(context.Background(), state+"-files", "000000000002-full.jsonl"); err != nil {
					t.Errorf("the blob target: %v", err)
				}
			}
		})
	}
}

func TestBadSettingsAreNamed(t *testing.T) {
	env := settings.MapEnv{"EntraExportTarget": "ftp", "EntraExportRetentionDays": "-1",
		"EntraUserAttributes": "displayName,given name", "EntraGraphEndpoint": "graph.microsoft.com"}
	inv := &function.Invocation{Env: env, Log: slog.New(slog.DiscardHandler), Clock: time.Now}
	err := entradelta.Declaration.Run(context.Background(), inv)
	if err == nil {
		t.Fatal("bad settings accepted")
	}
	for _, name := range []string{"EntraExportTarget", "EntraExportRetentionDays", "EntraUserAttributes", "EntraGraphEndpoint"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("the error does not name %s: %v", name, err)
		}
	}
	env = settings.MapEnv{"EntraExportTarget": "winrm"}
	err = entradelta.Declaration.Run(context.Background(), &function.Invocation{Env: env, Log: slog.New(slog.DiscardHandler)})
	if err == nil || !strings.Contains(err.Error(), "EntraExportDirectory") {
		t.Errorf("winrm without a folder: %v", err)
	}
}

// checkStatus holds the status of fresh delta links (fine) and of the same
// links six days on (flagged: a day from Graph's 7-day limit).
func checkStatus(t *testing.T, inv *function.Invocation) {
	t.Helper()
	items := entradelta.Declaration.Status(context.Background(), inv)
	if len(items) != 1 || items[0].Bad || items[0].Value > 0.1 || items[0].Unit != "days" {
		t.Errorf("status of fresh links: %+v", items)
	}
	inv.Clock = func() time.Time { return time.Now().Add(6 * 24 * time.Hour) }
	items = entradelta.Declaration.Status(context.Background(), inv)
	if len(items) != 1 || !items[0].Bad || items[0].Value < 5.9 {
		t.Errorf("status of links six days old: %+v", items)
	}
}

// TestAttributesDeltaCannotExportAreRefused: navigation properties other
// than manager (users) and owners (groups), and properties delta cannot
// track, are refused by the settings check (handler check, before a run)
// and by the run itself, naming the setting and the property.
func TestAttributesDeltaCannotExportAreRefused(t *testing.T) {
	tests := []struct {
		setting, value, want string
	}{
		{"EntraUserAttributes", "displayName,directReports", "directReports is a navigation property"},
		{"EntraUserAttributes", "displayName,memberOf", "memberOf is a navigation property"},
		{"EntraUserAttributes", "displayName,skills", "skills is kept outside the directory"},
		{"EntraGroupAttributes", "displayName,manager", "manager is a navigation property"},
		{"EntraGroupAttributes", "displayName,transitiveMembers", "transitiveMembers is a navigation property"},
		{"EntraUserAttributes", "displayName,owners", "owners is a navigation property"},
	}
	for _, tt := range tests {
		env := settings.MapEnv{"EntraExportTarget": "local", "EntraExportDirectory": t.TempDir(), tt.setting: tt.value}
		err := settings.Validate(env, entradelta.Declaration.Settings)
		if err == nil || !strings.Contains(err.Error(), tt.setting) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s=%s: the settings check says %v", tt.setting, tt.value, err)
		}
		err = entradelta.Declaration.Run(context.Background(), &function.Invocation{Env: env, Log: slog.New(slog.DiscardHandler), Clock: time.Now})
		if err == nil || !strings.Contains(err.Error(), tt.setting) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s=%s: the run says %v", tt.setting, tt.value, err)
		}
	}
	env := settings.MapEnv{"EntraExportTarget": "local", "EntraExportDirectory": t.TempDir(),
		"EntraUserAttributes": "displayName,manager", "EntraGroupAttributes": "displayName,owners,members"}
	if err := settings.Validate(env, entradelta.Declaration.Settings); err != nil {
		t.Errorf("manager and owners: %v", err)
	}
}
