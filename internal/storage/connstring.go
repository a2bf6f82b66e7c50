package storage

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
)

// connKeys are the connection string keys tenantops reads, spelled as the
// SDK expects them; the keys of a connection string are matched without
// regard to case.
var connKeys = []string{
	"DefaultEndpointsProtocol", "AccountName", "AccountKey", "SharedAccessSignature", "EndpointSuffix",
	"BlobEndpoint", "QueueEndpoint", "TableEndpoint", "FileEndpoint",
	"UseDevelopmentStorage", "DevelopmentStorageProxyUri",
}

// connectionString is a parsed Azure Storage connection string, keyed by the
// canonical spelling of each known key. Unknown keys are dropped.
type connectionString map[string]string

// parseConnectionString reads key=value pairs separated by ';'. Its errors
// name keys and positions but never quote a value, which may be a secret.
func parseConnectionString(conn string) (connectionString, error) {
	out := connectionString{}
	for i, part := range strings.Split(conn, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, value, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("part %d is not key=value", i+1)
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		for _, k := range connKeys {
			if strings.EqualFold(key, k) {
				out[k] = value
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no known key (want AccountName, AccountKey, SharedAccessSignature, BlobEndpoint, QueueEndpoint, or UseDevelopmentStorage=true)")
	}
	return out, nil
}

// devStorageAccount and devStorageKey are the storage emulator's well-known
// account, published for local development; the key is not a secret.
const (
	devStorageAccount = "devstoreaccount1"
	devStorageKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// sdkConnectionString checks a parsed connection string and returns it in
// the form the SDK parses: canonical keys, no spaces, and the
// UseDevelopmentStorage shortcut (which the SDK does not know) expanded to
// the emulator's endpoints on 127.0.0.1, or on the host of
// DevelopmentStorageProxyUri, at the emulator's ports 10000 and 10001.
func (c connectionString) sdkConnectionString() (string, error) {
	if dev, ok := c["UseDevelopmentStorage"]; ok {
		if !strings.EqualFold(dev, "true") {
			return "", fmt.Errorf("UseDevelopmentStorage must be true")
		}
		scheme, host := "http", "127.0.0.1"
		if proxy := c["DevelopmentStorageProxyUri"]; proxy != "" {
			u, err := url.Parse(proxy)
			if err != nil || u.Hostname() == "" || (u.Scheme != "http" && u.Scheme != "https") {
				return "", fmt.Errorf("DevelopmentStorageProxyUri must be an http or https URI such as http://127.0.0.1")
			}
			scheme, host = u.Scheme, u.Hostname()
			if strings.Contains(host, ":") {
				host = "[" + host + "]"
			}
		}
		return fmt.Sprintf("DefaultEndpointsProtocol=%s;AccountName=%s;AccountKey=%s;BlobEndpoint=%[1]s://%[4]s:10000/%[2]s;QueueEndpoint=%[1]s://%[4]s:10001/%[2]s;",
			scheme, devStorageAccount, devStorageKey, host), nil
	}
	if p, ok := c["DefaultEndpointsProtocol"]; ok && !strings.EqualFold(p, "https") && !strings.EqualFold(p, "http") {
		return "", fmt.Errorf("DefaultEndpointsProtocol must be https or http")
	}
	if sas, ok := c["SharedAccessSignature"]; ok {
		c["SharedAccessSignature"] = strings.TrimPrefix(sas, "?")
	}
	key, hasKey := c["AccountKey"]
	_, hasSAS := c["SharedAccessSignature"]
	name := c["AccountName"]
	switch {
	case hasKey && name == "":
		return "", fmt.Errorf("AccountKey needs AccountName")
	case hasKey:
		if _, err := base64.StdEncoding.DecodeString(key); err != nil {
			return "", fmt.Errorf("AccountKey is not base64")
		}
	case !hasSAS:
		return "", fmt.Errorf("has neither AccountKey nor SharedAccessSignature " +
			"(for an identity-based connection leave AzureWebJobsStorage empty and set AzureWebJobsStorage__accountName)")
	}
	for _, svc := range []string{"Blob", "Queue"} {
		endpoint := c[svc+"Endpoint"]
		if endpoint == "" && name == "" {
			return "", fmt.Errorf("has neither %sEndpoint nor AccountName to infer it from", svc)
		}
		if endpoint != "" {
			if u, err := url.Parse(endpoint); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
				return "", fmt.Errorf("%sEndpoint is not an http or https URL", svc)
			}
		}
	}
	var b strings.Builder
	for _, k := range connKeys {
		if v, ok := c[k]; ok && v != "" {
			fmt.Fprintf(&b, "%s=%s;", k, v)
		}
	}
	return b.String(), nil
}
