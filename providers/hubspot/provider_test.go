package hubspot

import (
	"net/http"
	"testing"

	"github.com/sequinsync/sequin/providers"
)

// TestAuthenticateNeedsRequiredProperties checks that every property a credential kind declares as
// required is checked by Authenticate, so a credential missing one fails before any request.
func TestAuthenticateNeedsRequiredProperties(t *testing.T) {
	t.Parallel()
	p := New()
	for _, kind := range p.Spec().CredentialKinds {
		full := map[string]any{}
		for _, f := range kind.Fields {
			if f.Required {
				full[f.Name] = "x-" + f.Name
			}
		}
		if _, err := p.Authenticate(t.Context(), providers.Credential{Kind: kind.Kind, Properties: full}, http.DefaultTransport, nil); err != nil {
			t.Errorf("%s with every required property: %v", kind.Kind, err)
		}
		for name := range full {
			props := map[string]any{}
			for k, v := range full {
				if k != name {
					props[k] = v
				}
			}
			if _, err := p.Authenticate(t.Context(), providers.Credential{Kind: kind.Kind, Properties: props}, http.DefaultTransport, nil); err == nil {
				t.Errorf("%s without %s was accepted", kind.Kind, name)
			}
		}
	}
}
