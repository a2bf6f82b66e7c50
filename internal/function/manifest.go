package function

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// FunctionJSON returns the function.json document of a declaration.
func FunctionJSON(d Declaration) ([]byte, error) {
	doc := struct {
		Bindings []Binding `json:"bindings"`
	}{d.Bindings()}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("function: %s: %w", d.Name, err)
	}
	return append(b, '\n'), nil
}

// WriteManifest writes dir/<Name>/function.json for every declaration.
func WriteManifest(dir string, decls []Declaration) error {
	for _, d := range decls {
		b, err := FunctionJSON(d)
		if err != nil {
			return err
		}
		folder := filepath.Join(dir, d.Name)
		if err := os.MkdirAll(folder, 0o755); err != nil {
			return fmt.Errorf("function: manifest: %w", err)
		}
		if err := os.WriteFile(filepath.Join(folder, "function.json"), b, 0o644); err != nil {
			return fmt.Errorf("function: manifest: %w", err)
		}
	}
	return nil
}
