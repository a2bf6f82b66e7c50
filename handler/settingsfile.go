package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/tenantops/tenantops/internal/settings"
)

// fileEnv is the app settings of a local.settings.json under the process
// environment: as Azure Functions Core Tools does, a setting already in the
// environment wins over the file's value.
type fileEnv struct {
	values map[string]string
	under  settings.Env
}

// Lookup implements settings.Env.
func (f fileEnv) Lookup(name string) (string, bool) {
	if v, ok := f.under.Lookup(name); ok {
		return v, true
	}
	v, ok := f.values[name]
	return v, ok
}

// loadSettingsFile reads the Values of a local.settings.json. Names that
// the environment already sets are reported on notes, as Core Tools does.
func loadSettingsFile(path string, under settings.Env, notes io.Writer) (settings.Env, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--settings: %w", err)
	}
	var doc struct {
		IsEncrypted bool                       `json:"IsEncrypted"`
		Values      map[string]json.RawMessage `json:"Values"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("--settings %s: not a local.settings.json: %v", path, err)
	}
	if doc.IsEncrypted {
		return nil, fmt.Errorf("--settings %s: the values are encrypted (IsEncrypted: true); decrypt them first with `func settings decrypt`", path)
	}
	values := map[string]string{}
	names := make([]string, 0, len(doc.Values))
	for name := range doc.Values {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v, err := settingValue(doc.Values[name])
		if err != nil {
			return nil, fmt.Errorf("--settings %s: Values.%s: %v", path, name, err)
		}
		if _, inEnv := under.Lookup(name); inEnv {
			fmt.Fprintf(notes, "handler: skipping %s from %s: it is already set in the environment\n", name, path)
			continue
		}
		values[name] = v
	}
	return fileEnv{values: values, under: under}, nil
}

// settingValue reads one entry of Values: a string, or a number or boolean
// written without quotes, as the host turns every value into text.
func settingValue(raw json.RawMessage) (string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", err
	}
	switch v.(type) {
	case float64, bool:
		return string(raw), nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("want a string, got %s", raw)
}
