package main

import (
	"strings"
	"testing"

	"github.com/tenantops/tenantops/functions"
	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

func TestRunRequest(t *testing.T) {
	timer, _ := functions.Lookup("FtpRetrieve")
	queue, _ := functions.Lookup("SharePointCleanup")
	tests := []struct {
		name, fn, data string
		check          func(t *testing.T, msg string, pastDue bool)
		wantErr        string
	}{
		{name: "timer with no data gets the host's payload", fn: "FtpRetrieve", check: func(t *testing.T, _ string, pastDue bool) {
			if pastDue {
				t.Error("IsPastDue set")
			}
		}},
		{name: "queue with no data", fn: "SharePointCleanup", wantErr: "queue-triggered"},
		{name: "queue with its Data object", fn: "SharePointCleanup", data: `{"message":"{\"v\":1}"}`, check: func(t *testing.T, msg string, _ bool) {
			if msg != `{"v":1}` {
				t.Errorf("message %q", msg)
			}
		}},
		{name: "a whole envelope", fn: "SharePointCleanup", data: `{"Data":{"message":"\"{\\\"v\\\":2}\""},"Metadata":{"DequeueCount":"3"}}`, check: func(t *testing.T, msg string, _ bool) {
			if msg != `{"v":2}` {
				t.Errorf("message %q", msg)
			}
		}},
		{name: "queue message as plain text", fn: "SharePointCleanup", data: `message=1`, check: func(t *testing.T, msg string, _ bool) {
			if msg != `message=1` {
				t.Errorf("message %q", msg)
			}
		}},
		{name: "queue message as a JSON object", fn: "SharePointCleanup", data: ` {"v":1,"itemId":42} `, check: func(t *testing.T, msg string, _ bool) {
			if msg != `{"v":1,"itemId":42}` {
				t.Errorf("message %q", msg)
			}
		}},
		{name: "queue Data object in another case", fn: "SharePointCleanup", data: `{"Message":{"v":3}}`, check: func(t *testing.T, msg string, _ bool) {
			if msg != `{"v":3}` {
				t.Errorf("message %q", msg)
			}
		}},
		{name: "timer info on its own", fn: "FtpRetrieve", data: `{"IsPastDue":true}`, check: func(t *testing.T, _ string, pastDue bool) {
			if !pastDue {
				t.Error("IsPastDue not set")
			}
		}},
		{name: "timer Data object", fn: "FtpRetrieve", data: `{"timer":{"IsPastDue":true}}`, check: func(t *testing.T, _ string, pastDue bool) {
			if !pastDue {
				t.Error("IsPastDue not set")
			}
		}},
		{name: "timer with a hand run's full option", fn: "FtpRetrieve", data: `{"full":true}`, check: func(t *testing.T, _ string, pastDue bool) {
			if pastDue {
				t.Error("IsPastDue set")
			}
		}},
		{name: "timer with text", fn: "FtpRetrieve", data: `now`, wantErr: "not a JSON object"},
		{name: "timer with an unrelated object", fn: "FtpRetrieve", data: `{"when":"now"}`, wantErr: "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			decl := timer
			if tt.fn == "SharePointCleanup" {
				decl = queue
			}
			req, err := runRequest(decl, tt.data)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if decl.Trigger.Type == "timerTrigger" {
				info, err := req.Timer(decl.Trigger.Name)
				if err != nil {
					t.Fatal(err)
				}
				tt.check(t, "", info.IsPastDue)
				return
			}
			msg, _ := req.DataString(decl.Trigger.Name)
			tt.check(t, msg, false)
		})
	}
}

func TestHandlerPort(t *testing.T) {
	tests := []struct {
		env     settings.MapEnv
		want    string
		wantErr bool
	}{
		{settings.MapEnv{"FUNCTIONS_CUSTOMHANDLER_PORT": "7071"}, "7071", false},
		{settings.MapEnv{"FUNCTIONS_CUSTOMHANDLER_PORT": " 7072 "}, "7072", false},
		{settings.MapEnv{"FUNCTIONS_HTTPWORKER_PORT": "7073"}, "7073", false},
		{settings.MapEnv{}, "", true},
	}
	for _, tt := range tests {
		got, err := handlerPort(tt.env)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("handlerPort(%v) = %q, %v", tt.env, got, err)
		}
	}
}

func TestCheckSettingsNamesWhatIsMissing(t *testing.T) {
	for _, decl := range functions.All() {
		row := checkSettings(decl, settings.MapEnv{})
		var required []string
		for _, s := range decl.Settings {
			if s.Required {
				required = append(required, s.Name)
			}
		}
		if len(required) == 0 {
			continue
		}
		if row.OK {
			t.Errorf("%s: settings check passed with no settings", decl.Name)
		}
		for _, name := range required {
			if !strings.Contains(row.Why, name) {
				t.Errorf("%s: %q does not name %s", decl.Name, row.Why, name)
			}
		}
	}
}

func TestRunRequestGivesAQueueMessageTheHostsMetadata(t *testing.T) {
	queue, _ := functions.Lookup("SharePointCleanup")
	tests := []struct {
		name, data string
		wantCount  int
	}{
		{"message only", `{"v":1}`, 1},
		{"Data object", `{"message":"{\"v\":1}"}`, 1},
		{"envelope keeps its DequeueCount", `{"Data":{"message":"x"},"Metadata":{"DequeueCount":4}}`, 4},
		{"envelope without Metadata", `{"Data":{"message":"x"}}`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := runRequest(queue, tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if n := req.DequeueCount(); n != tt.wantCount {
				t.Errorf("DequeueCount = %d, want %d", n, tt.wantCount)
			}
			if req.MetadataString("Id") == "" || req.MetadataString("InsertionTime") == "" {
				t.Errorf("metadata without Id or InsertionTime: %v", req.Metadata)
			}
		})
	}
}

// TestCheckHasOneRowNamingEveryBadSetting: `handler check` opens with a
// "settings" row that names every missing or malformed setting of the
// functions checked, storage included, so one run lists all there is to fix.
func TestCheckHasOneRowNamingEveryBadSetting(t *testing.T) {
	everyRequired := []string{"AzureWebJobsStorage: missing"}
	for _, decl := range functions.All() {
		for _, s := range decl.Settings {
			if s.Required {
				everyRequired = append(everyRequired, s.Name+": missing")
			}
		}
	}
	tests := []struct {
		name string
		env  settings.MapEnv
		want []string
	}{
		{name: "everything missing", env: settings.MapEnv{}, want: everyRequired},
		{name: "malformed values and a bad connection string", env: settings.MapEnv{
			"AzureWebJobsStorage": "AccountName=ops", "OpsTimeZone": "Mars/Base", "FTPTLS": "ssl", "MIMSyncWinRMPort": "0"},
			want: []string{"AzureWebJobsStorage: is not a usable connection string", "OpsTimeZone: unknown time zone",
				`FTPTLS: want one of explicit, implicit, none, got "ssl"`, "MIMSyncWinRMPort: want a TCP port"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, storageErr := clients.Storage(tt.env)
			row := checkAllSettings(tt.env, functions.All(), storageErr)
			if row.OK || row.Dependency != "settings" {
				t.Fatalf("row = %+v, want a failed settings row", row)
			}
			for _, want := range tt.want {
				if !strings.Contains(row.Why, want) {
					t.Errorf("%q does not name %q", row.Why, want)
				}
			}
		})
	}
	good := settings.MapEnv{"AzureWebJobsStorage": "UseDevelopmentStorage=true", "SPSiteUrl": "https://t.sharepoint.com/sites/ops", "SPListTitle": "Projects"}
	spPoll, _ := functions.Lookup("SharePointChangePoll")
	_, storageErr := clients.Storage(good)
	if row := checkAllSettings(good, []function.Declaration{spPoll}, storageErr); !row.OK {
		t.Errorf("row = %+v, want ok", row)
	}
}
