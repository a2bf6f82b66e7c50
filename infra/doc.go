// Package infra holds tenantops' Azure deployment: main.bicep, its modules and an
// example parameter file. There is no Go code to run here; the package's tests
// read the Bicep as text and fail when it drifts from the settings, queues and
// containers the code declares, or when it loses one of its security properties
// (no storage keys, no secret defaults, five narrowly scoped roles, no public
// WinRM port).
package infra
