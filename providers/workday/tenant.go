package workday

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/sequinsync/sequin/providers"
)

// hostPlaceholder stands for the credential's Workday host in the default base URL.
const hostPlaceholder = "https://{workday_host}"

// tenant is where a credential's API lives: the https origin of the Workday host and the tenant's name.
type tenant struct {
	origin string
	name   string
}

// parseTenantURL reads the tenant from what View API Clients shows: the REST API endpoint
// (https://host/ccx/api/v1/acme), the token endpoint (https://host/ccx/oauth2/acme/token), or a
// service URL (https://host/ccx/service/acme/...). Plain http is refused so that tokens never travel
// in the clear.
func parseTenantURL(v string) (tenant, error) {
	s := strings.TrimSpace(v)
	if s == "" {
		return tenant{}, fmt.Errorf("workday: the credential needs tenant_url")
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || !strings.Contains(u.Host, ".") {
		return tenant{}, fmt.Errorf("workday: tenant_url %q must be an https URL such as https://wd2-impl-services1.workday.com/ccx/api/v1/acme", clip(v))
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	name := ""
	switch {
	case len(parts) >= 4 && parts[0] == "ccx" && parts[1] == "api":
		name = parts[3] // /ccx/api/<version>/<tenant>
	case len(parts) >= 3 && parts[0] == "ccx" && (parts[1] == "oauth2" || parts[1] == "service"):
		name = parts[2]
		if parts[1] == "service" && (name == "customreport2" || name == "reporting") && len(parts) >= 4 {
			name = parts[3]
		}
	}
	if name == "" || !validTenant(name) {
		return tenant{}, fmt.Errorf("workday: tenant_url %q names no tenant; give the REST API endpoint, e.g. https://wd2-impl-services1.workday.com/ccx/api/v1/acme", clip(v))
	}
	return tenant{origin: "https://" + strings.ToLower(u.Host), name: name}, nil
}

// validTenant reports whether name can be a tenant's name in a URL path.
func validTenant(name string) bool {
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return name != "." && name != ".."
}

// endpoint returns where a session's requests go: the sync's base_url option when set (the client's
// BaseURL then holds it), otherwise the credential's host; the tenant always comes from the credential.
func endpoint(s *providers.Session) (tenant, error) {
	t, err := parseTenantURL(s.Credential.String("tenant_url"))
	if err != nil {
		return tenant{}, &providers.Error{Kind: providers.ErrUnauthorized, Message: err.Error(), Err: err}
	}
	if base := strings.TrimRight(s.Client.BaseURL, "/"); base != "" && !strings.Contains(base, hostPlaceholder) {
		t.origin = base
	}
	return t, nil
}

// apiPath is the REST path of a collection or one of its objects.
func (t tenant) apiPath(collection, id string) string {
	p := t.origin + "/ccx/api/v1/" + t.name + "/" + collection
	if id != "" {
		p += "/" + url.PathEscape(id)
	}
	return p
}

// reportPath is the RaaS path of a custom report named "<owner>/<report>".
func (t tenant) reportPath(report string) (string, error) {
	owner, name, ok := strings.Cut(report, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return "", fmt.Errorf("workday: report %q must be \"<owner>/<report name>\"", clip(report))
	}
	return t.origin + "/ccx/service/customreport2/" + t.name + "/" + url.PathEscape(owner) + "/" + url.PathEscape(name), nil
}

// clip bounds a text quoted in an error.
func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}
