package devhost

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/tenantops/tenantops/internal/schedule"
	"github.com/tenantops/tenantops/internal/settings"
)

// hostConfig is the part of host.json the local host honours.
type hostConfig struct {
	Executable string   // customHandler.description.defaultExecutablePath, made absolute
	Arguments  []string // customHandler.description.arguments, %Setting% expanded
	WorkDir    string   // customHandler.description.workingDirectory, made absolute
	Queues     queueConfig
	// FunctionTimeout is host.json's functionTimeout; 0 when unset or -1.
	FunctionTimeout time.Duration
}

// queueConfig is extensions.queues, with the host's defaults filled in.
type queueConfig struct {
	MaxDequeueCount   int
	VisibilityTimeout time.Duration
	PollInterval      time.Duration // maxPollingInterval
	BatchSize         int
	Base64            bool // messageEncoding base64 (the default) rather than none
}

// trigger is one function's trigger binding, its %Setting% references resolved.
type trigger struct {
	Function   string
	Name       string // binding name: the key in Data
	Type       string // timerTrigger or queueTrigger
	Schedule   schedule.Schedule
	Expression string // the resolved schedule text
	Queue      string // the resolved queue name
	UseMonitor bool
	Route      string   // httpTrigger: the path under /api/
	AuthLevel  string   // httpTrigger: anonymous, function or admin
	Methods    []string // httpTrigger: lower-cased; empty allows any
}

// rawHostJSON mirrors host.json.
type rawHostJSON struct {
	FunctionTimeout string `json:"functionTimeout"`
	CustomHandler   struct {
		Description struct {
			DefaultExecutablePath string   `json:"defaultExecutablePath"`
			WorkingDirectory      string   `json:"workingDirectory"`
			Arguments             []string `json:"arguments"`
		} `json:"description"`
	} `json:"customHandler"`
	Extensions struct {
		Queues struct {
			MaxDequeueCount    *int   `json:"maxDequeueCount"`
			VisibilityTimeout  string `json:"visibilityTimeout"`
			MaxPollingInterval string `json:"maxPollingInterval"`
			BatchSize          *int   `json:"batchSize"`
			MessageEncoding    string `json:"messageEncoding"`
		} `json:"queues"`
	} `json:"extensions"`
}

// readHostConfig reads dir/host.json.
func readHostConfig(dir string, env map[string]string) (hostConfig, error) {
	var raw rawHostJSON
	if err := readJSON(filepath.Join(dir, "host.json"), &raw); err != nil {
		return hostConfig{}, err
	}
	desc := raw.CustomHandler.Description
	if desc.DefaultExecutablePath == "" {
		return hostConfig{}, fmt.Errorf("devhost: %s: customHandler.description.defaultExecutablePath is not set", filepath.Join(dir, "host.json"))
	}
	cfg := hostConfig{
		Executable: absUnder(dir, desc.DefaultExecutablePath),
		WorkDir:    absUnder(dir, desc.WorkingDirectory),
	}
	for _, a := range desc.Arguments {
		cfg.Arguments = append(cfg.Arguments, expand(a, env))
	}
	q, err := readQueueConfig(raw)
	if err != nil {
		return hostConfig{}, err
	}
	cfg.Queues = q
	if t := strings.TrimSpace(raw.FunctionTimeout); t != "" && t != "-1" {
		if cfg.FunctionTimeout, err = settings.ParseTimeSpan(t); err != nil {
			return hostConfig{}, fmt.Errorf("devhost: host.json functionTimeout: %w", err)
		}
	}
	return cfg, nil
}

// readQueueConfig applies the host's defaults to extensions.queues.
func readQueueConfig(raw rawHostJSON) (queueConfig, error) {
	in := raw.Extensions.Queues
	q := queueConfig{MaxDequeueCount: 5, PollInterval: time.Minute, BatchSize: 16, Base64: true}
	if in.MaxDequeueCount != nil {
		q.MaxDequeueCount = *in.MaxDequeueCount
	}
	if in.BatchSize != nil {
		q.BatchSize = *in.BatchSize
	}
	var err error
	if in.VisibilityTimeout != "" {
		if q.VisibilityTimeout, err = settings.ParseTimeSpan(in.VisibilityTimeout); err != nil {
			return q, fmt.Errorf("devhost: host.json visibilityTimeout: %w", err)
		}
	}
	if in.MaxPollingInterval != "" {
		if q.PollInterval, err = settings.ParseTimeSpan(in.MaxPollingInterval); err != nil {
			return q, fmt.Errorf("devhost: host.json maxPollingInterval: %w", err)
		}
	}
	switch strings.ToLower(in.MessageEncoding) {
	case "", "base64":
	case "none":
		q.Base64 = false
	default:
		return q, fmt.Errorf("devhost: host.json messageEncoding %q: want base64 or none", in.MessageEncoding)
	}
	return q, nil
}

// rawFunctionJSON mirrors a function.json.
type rawFunctionJSON struct {
	Bindings []struct {
		Name       string   `json:"name"`
		Type       string   `json:"type"`
		Direction  string   `json:"direction"`
		Schedule   string   `json:"schedule"`
		QueueName  string   `json:"queueName"`
		UseMonitor *bool    `json:"useMonitor"`
		Route      string   `json:"route"`
		AuthLevel  string   `json:"authLevel"`
		Methods    []string `json:"methods"`
	} `json:"bindings"`
}

// readTriggers reads dir/*/function.json, the way the host discovers
// functions, and resolves each trigger's %Setting% references from env.
func readTriggers(dir string, env map[string]string) ([]trigger, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*", "function.json"))
	if err != nil {
		return nil, fmt.Errorf("devhost: %w", err)
	}
	sort.Strings(paths)
	var out []trigger
	for _, path := range paths {
		tr, err := readTrigger(path, env)
		if err != nil {
			return nil, err
		}
		out = append(out, tr)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("devhost: no <Function>/function.json under %s (run make build)", dir)
	}
	return out, nil
}

func readTrigger(path string, env map[string]string) (trigger, error) {
	var raw rawFunctionJSON
	if err := readJSON(path, &raw); err != nil {
		return trigger{}, err
	}
	name := filepath.Base(filepath.Dir(path))
	for _, b := range raw.Bindings {
		if b.Direction != "in" || !strings.HasSuffix(b.Type, "Trigger") {
			continue
		}
		tr := trigger{Function: name, Name: b.Name, Type: b.Type, UseMonitor: b.UseMonitor == nil || *b.UseMonitor}
		switch b.Type {
		case "timerTrigger":
			tr.Expression = expand(b.Schedule, env)
			s, err := schedule.Parse(tr.Expression)
			if err != nil {
				return trigger{}, fmt.Errorf("devhost: %s: %w", name, err)
			}
			tr.Schedule = s
		case "queueTrigger":
			tr.Queue = expand(b.QueueName, env)
			if tr.Queue == "" || strings.Contains(tr.Queue, "%") {
				return trigger{}, fmt.Errorf("devhost: %s: queue name %q does not resolve (is the setting set?)", name, b.QueueName)
			}
			// The host lowercases the queue name, then holds it to the
			// storage service's naming rules.
			tr.Queue = strings.ToLower(tr.Queue)
			if !queueName.MatchString(tr.Queue) || strings.Contains(tr.Queue, "--") {
				return trigger{}, fmt.Errorf("devhost: %s: queue name %q is not valid: 3-63 lowercase letters, digits "+
					"and single hyphens, starting and ending with a letter or digit", name, tr.Queue)
			}
		case "httpTrigger":
			tr.Route, tr.AuthLevel = strings.Trim(b.Route, "/"), strings.ToLower(b.AuthLevel)
			if tr.Route == "" {
				tr.Route = name
			}
			for _, m := range b.Methods {
				tr.Methods = append(tr.Methods, strings.ToLower(m))
			}
		default:
			return trigger{}, fmt.Errorf("devhost: %s: trigger type %s is not one the local host runs", name, b.Type)
		}
		return tr, nil
	}
	return trigger{}, fmt.Errorf("devhost: %s has no trigger binding", path)
}

// queueName is the shape of a valid storage queue name.
var queueName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

// settingRef matches a %Setting% reference.
var settingRef = regexp.MustCompile(`%([^%]+)%`)

// expand replaces each %Setting% with its value from env. An unset
// setting falls back to its catalog default, where the real host would
// refuse the function; a reference with neither stays as it is, so the
// error can name it.
func expand(text string, env map[string]string) string {
	return settingRef.ReplaceAllStringFunc(text, func(ref string) string {
		name := ref[1 : len(ref)-1]
		if v, ok := env[name]; ok && v != "" {
			return v
		}
		if spec, ok := settings.ByName(name); ok && spec.Default != "" {
			return spec.Default
		}
		return ref
	})
}

func absUnder(dir, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	abs, err := filepath.Abs(filepath.Join(dir, path))
	if err != nil {
		return filepath.Join(dir, path)
	}
	return abs
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("devhost: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("devhost: %s: %w", path, err)
	}
	return nil
}
