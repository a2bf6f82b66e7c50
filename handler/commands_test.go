package main

import (
	"strings"
	"testing"

	"github.com/tenantops/tenantops/functions"
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
		{name: "not JSON", fn: "SharePointCleanup", data: `message=1`, wantErr: "not a JSON object"},
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
