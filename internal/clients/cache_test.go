package clients

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/tenantops/tenantops/internal/azcred"
)

// variants returns one copy of v per settable leaf field, with that field
// changed and every other field as in v. A field of a kind it does not know
// fails the test, so that a new field cannot go unexamined.
func variants(t *testing.T, v reflect.Value, path string) []reflect.Value {
	t.Helper()
	var out []reflect.Value
	for i := 0; i < v.NumField(); i++ {
		field := v.Type().Field(i)
		name := path + "." + field.Name
		if field.Type.Kind() == reflect.Struct {
			for _, inner := range variants(t, v.Field(i), name) {
				changed := reflect.New(v.Type()).Elem()
				changed.Set(v)
				changed.Field(i).Set(inner)
				out = append(out, changed)
			}
			continue
		}
		changed := reflect.New(v.Type()).Elem()
		changed.Set(v)
		f := changed.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(f.String() + "-changed")
		case reflect.Bool:
			f.SetBool(!f.Bool())
		case reflect.Int:
			f.SetInt(f.Int() + 1)
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
		default:
			t.Fatalf("%s: a %s field; teach variants to change it", name, f.Kind())
		}
		out = append(out, changed)
	}
	return out
}

// opensEveryVariant checks that a cache keyed by C makes a new client for
// every configuration that differs from base in one field.
func opensEveryVariant[C comparable](t *testing.T, base C) {
	t.Helper()
	var c cache[C, int]
	opened := 0
	open := func(C) (int, error) { opened++; return opened, nil }
	first, _ := c.get(base, open)
	if again, _ := c.get(base, open); again != first {
		t.Fatalf("%T: the same configuration opened a second client", base)
	}
	vs := variants(t, reflect.ValueOf(base), fmt.Sprintf("%T", base))
	if len(vs) == 0 {
		t.Fatalf("%T has no fields", base)
	}
	for _, v := range vs {
		before := opened
		got, _ := c.get(v.Interface().(C), open)
		if opened != before+1 || got == first {
			t.Errorf("%T: %+v was served a cached client", base, v.Interface())
		}
	}
}

// TestEveryFieldOfAConfigurationKeysTheCache: changing any one field of a
// client's configuration, however deep, gives a new client.
func TestEveryFieldOfAConfigurationKeysTheCache(t *testing.T) {
	cred := azcred.Options{TenantID: "t", ClientID: "c", Certificate: "pem", ManagedIdentityClientID: "m",
		Settings: azcred.Settings{TenantID: "T", ClientID: "C", Certificate: "P", ManagedIdentityClientID: "M"}}
	opensEveryVariant(t, cred)
	opensEveryVariant(t, StorageConfig{ConnectionString: "UseDevelopmentStorage=true", BlobURL: "https://b.example.test/",
		QueueURL: "https://q.example.test/", Credential: cred})
	opensEveryVariant(t, SharePointConfig{SiteURL: "https://contoso.sharepoint.com/sites/ops", Credential: cred})
	opensEveryVariant(t, GraphConfig{Endpoint: "https://graph.microsoft.com", Credential: cred})
}

// TestTheManagedIdentityEndpointKeysTheCache: the process facts azidentity
// reads are part of the key, so a credential made for one managed identity
// endpoint is not served for another.
func TestTheManagedIdentityEndpointKeysTheCache(t *testing.T) {
	var c cache[azcred.Options, int]
	opened := 0
	open := func(azcred.Options) (int, error) { opened++; return opened, nil }
	for _, env := range []struct{ name, value string }{
		{"IDENTITY_ENDPOINT", "http://127.0.0.1:1/a"}, {"IDENTITY_HEADER", "h"}, {"MSI_ENDPOINT", "http://127.0.0.1:1/b"},
	} {
		before := opened
		t.Setenv(env.name, env.value)
		c.get(azcred.Options{}, open)
		if opened != before+1 {
			t.Errorf("after %s changed, the cached client was served", env.name)
		}
	}
}

// TestAFailedOpenIsNotKept: a client that could not be made is tried again.
func TestAFailedOpenIsNotKept(t *testing.T) {
	var c cache[string, int]
	calls := 0
	fail := func(string) (int, error) { calls++; return 0, fmt.Errorf("no") }
	c.get("x", fail)
	if _, err := c.get("x", fail); err == nil || calls != 2 {
		t.Errorf("calls = %d, err = %v; want a second try", calls, err)
	}
}

// TestCredentialsAreKeptPerProcess: the same options give the same
// credential, so its tokens are reused across invocations.
func TestCredentialsAreKeptPerProcess(t *testing.T) {
	o := azcred.Options{Source: azcred.DefaultChain, ClientOptions: &azcore.ClientOptions{}}
	first, err := credential(o)
	if err != nil {
		t.Fatal(err)
	}
	again, err := credential(o)
	if err != nil || again != first {
		t.Errorf("a second credential was made for the same options: %v", err)
	}
}
