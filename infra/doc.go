// Package infra holds tenantops' Azure deployment: main.bicep, its modules and an
// example parameter file, and the generator of their generated regions (per-setting
// parameters and app settings, Key Vault secrets, queues and containers, alert lists),
// which `make docs` runs through infra/gendocs. Nothing here ships in the binary. The
// package's tests read the Bicep as text and fail when a generated region was edited
// by hand or drifts from the settings and functions the code declares, or when the
// templates lose one of their security properties (no storage keys, no secret
// defaults, five narrowly scoped roles, no public WinRM port).
package infra
