// render renders a Helm chart the way `helm template` does, for machines
// without a helm binary. It uses Go's text/template with sprig (the library
// Helm itself uses) and adds the functions and built-in objects Helm adds:
// include, tpl, required, toYaml, fromYaml, toJson (sprig), lookup (empty,
// as in helm template), .Values, .Release, .Chart, .Capabilities, .Template
// and .Files.Get. Values are coalesced like Helm (later files win, maps merge,
// null deletes a key) and validated against values.schema.json with
// gojsonschema, the validator Helm 3 uses.
//
//	render -chart DIR [-f values.yaml]... [-name RELEASE] [-namespace NS]
//	       [-api-versions group/version/Kind,...] [-notes] [-validate-only]
//
// Output: every rendered manifest as "---\n# Source: CHART/templates/FILE"
// documents on stdout (NOTES.txt too with -notes). Exit 1 with a message on
// a schema violation, a template error or a `required`/`fail`.
//
// Build offline from Debian's Go packages (no network, no modules):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o render .
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"github.com/ghodss/yaml"
	"github.com/xeipuuv/gojsonschema"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// chartMeta holds the Chart.yaml fields templates read, capitalised as Helm
// exposes them (.Chart.Name, .Chart.Version, .Chart.AppVersion).
type chartMeta struct {
	APIVersion  string `json:"apiVersion"`
	Name        string `json:"name"`
	Version     string `json:"version"`
	AppVersion  string `json:"appVersion"`
	Description string `json:"description"`
	Type        string `json:"type"`
	KubeVersion string `json:"kubeVersion"`
}

// files is .Files: the chart's non-template files.
type files map[string][]byte

func (f files) Get(name string) string { return string(f[name]) }
func (f files) GetBytes(name string) []byte {
	return f[name]
}

type apiVersions []string

// Has reports whether "group/version" or "group/version/Kind" is available.
func (a apiVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

type kubeVersion struct{ Version, GitVersion, Major, Minor string }

func (k kubeVersion) String() string { return k.Version }

type capabilities struct {
	KubeVersion kubeVersion
	APIVersions apiVersions
}

func main() {
	var valueFiles, apis multiFlag
	chartDir := flag.String("chart", "", "chart directory")
	release := flag.String("name", "atrium", "release name")
	namespace := flag.String("namespace", "atrium-system", "release namespace")
	notes := flag.Bool("notes", false, "also render NOTES.txt")
	validateOnly := flag.Bool("validate-only", false, "only validate values against the schema")
	flag.Var(&valueFiles, "f", "values file (repeatable; later files win)")
	flag.Var(&apis, "api-versions", "extra available API versions, e.g. gateway.networking.k8s.io/v1/GatewayClass (repeatable, comma-separated)")
	flag.Parse()
	if *chartDir == "" {
		fmt.Fprintln(os.Stderr, "render: -chart is required")
		os.Exit(2)
	}
	out, err := render(*chartDir, *release, *namespace, valueFiles, apis, *notes, *validateOnly)
	if err != nil {
		fmt.Fprintln(os.Stderr, "render:", err)
		os.Exit(1)
	}
	os.Stdout.WriteString(out)
}

func readYAMLMap(file string) (map[string]interface{}, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	m := map[string]interface{}{}
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if m == nil {
		m = map[string]interface{}{}
	}
	return m, nil
}

// coalesce merges src into dst the way Helm merges user values into the
// chart's defaults: maps merge recursively, anything else is replaced, and a
// null removes the key.
func coalesce(dst, src map[string]interface{}) map[string]interface{} {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		sm, sok := v.(map[string]interface{})
		dm, dok := dst[k].(map[string]interface{})
		if sok && dok {
			dst[k] = coalesce(dm, sm)
		} else {
			dst[k] = v
		}
	}
	return dst
}

func validate(chartDir string, values map[string]interface{}) error {
	schema, err := os.ReadFile(filepath.Join(chartDir, "values.schema.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	doc, err := json.Marshal(values)
	if err != nil {
		return err
	}
	result, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(schema), gojsonschema.NewBytesLoader(doc))
	if err != nil {
		return fmt.Errorf("values.schema.json: %w", err)
	}
	if !result.Valid() {
		var msgs []string
		for _, e := range result.Errors() {
			msgs = append(msgs, "- "+e.String())
		}
		return fmt.Errorf("values don't meet the specifications of the schema(s):\n%s", strings.Join(msgs, "\n"))
	}
	return nil
}

func render(chartDir, release, namespace string, valueFiles, apis []string, withNotes, validateOnly bool) (string, error) {
	var meta chartMeta
	raw, err := os.ReadFile(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return "", err
	}
	if err := yaml.Unmarshal(raw, &meta); err != nil {
		return "", fmt.Errorf("Chart.yaml: %w", err)
	}
	values, err := readYAMLMap(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		return "", err
	}
	for _, f := range valueFiles {
		user, err := readYAMLMap(f)
		if err != nil {
			return "", err
		}
		values = coalesce(values, user)
	}
	if err := validate(chartDir, values); err != nil {
		return "", err
	}
	if validateOnly {
		return "", nil
	}

	chartFiles := files{}
	var templates []string
	err = filepath.Walk(chartDir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(chartDir, p)
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(rel, "templates/") {
			templates = append(templates, rel)
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		chartFiles[rel] = data
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(templates)

	var apiList apiVersions = []string{"v1", "apps/v1", "policy/v1", "autoscaling/v2",
		"rbac.authorization.k8s.io/v1", "networking.k8s.io/v1", "coordination.k8s.io/v1",
		"discovery.k8s.io/v1"}
	for _, a := range apis {
		for _, x := range strings.Split(a, ",") {
			if x = strings.TrimSpace(x); x != "" {
				apiList = append(apiList, x)
			}
		}
	}

	top := map[string]interface{}{
		"Values": values,
		"Release": map[string]interface{}{
			"Name": release, "Namespace": namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Chart": meta,
		"Capabilities": capabilities{
			KubeVersion: kubeVersion{Version: "v1.30.0", GitVersion: "v1.30.0", Major: "1", Minor: "30"},
			APIVersions: apiList,
		},
		"Files": chartFiles,
	}

	root := template.New("gotpl")
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env") // Helm removes these two: a chart must not read the environment.
	delete(funcs, "expandenv")
	includedNames := map[string]int{}
	funcs["include"] = func(name string, data interface{}) (string, error) {
		if includedNames[name] > 1000 {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		includedNames[name]++
		defer func() { includedNames[name]-- }()
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		clone, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err := clone.New("tpl").Option("missingkey=zero").Parse(text)
		if err != nil {
			return "", fmt.Errorf("tpl: %w", err)
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return "", fmt.Errorf("tpl: %w", err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return v, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return v, errors.New(msg)
		}
		return v, nil
	}
	funcs["toYaml"] = func(v interface{}) string {
		data, err := yaml.Marshal(v)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(data), "\n")
	}
	funcs["fromYaml"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	funcs["fromJson"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	funcs["toJson"] = func(v interface{}) string {
		data, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(data)
	}
	funcs["lookup"] = func(apiVersion, kind, ns, name string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil // as `helm template`: no cluster to look in
	}
	root.Funcs(funcs).Option("missingkey=zero")

	base := meta.Name + "/"
	for _, name := range templates {
		data, err := os.ReadFile(filepath.Join(chartDir, name))
		if err != nil {
			return "", err
		}
		if _, err := root.New(base + name).Parse(string(data)); err != nil {
			return "", err
		}
	}

	var docs []document
	var notesText string
	for _, name := range templates {
		file := path.Base(name)
		if strings.HasPrefix(file, "_") {
			continue // partials define named templates only
		}
		isNotes := file == "NOTES.txt"
		if isNotes && !withNotes {
			continue
		}
		scope := map[string]interface{}{}
		for k, v := range top {
			scope[k] = v
		}
		scope["Template"] = map[string]interface{}{"Name": base + name, "BasePath": base + "templates"}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, base+name, scope); err != nil {
			return "", err
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if isNotes {
			notesText = text
			continue
		}
		docs = append(docs, splitDocuments(base+name, text)...)
	}
	// Like helm: manifests in install order (Namespace and RBAC before the
	// Deployment), template order within a kind.
	sort.SliceStable(docs, func(i, j int) bool { return kindRank(docs[i].kind) < kindRank(docs[j].kind) })
	var out strings.Builder
	for _, d := range docs {
		out.WriteString("---\n# Source: " + d.source + "\n" + d.body + "\n")
	}
	if withNotes {
		out.WriteString("\nNOTES:\n" + notesText)
	}
	return out.String(), nil
}

type document struct{ source, kind, body string }

var kindLine = regexp.MustCompile(`(?m)^kind:\s*(\S+)`)

// splitDocuments splits one template's output at "---" lines and drops
// documents that hold nothing but comments and blank lines.
func splitDocuments(source, text string) []document {
	var docs []document
	for _, part := range regexp.MustCompile(`(?m)^---[ \t]*$`).Split(text, -1) {
		empty := true
		for _, line := range strings.Split(part, "\n") {
			t := strings.TrimSpace(line)
			if t != "" && !strings.HasPrefix(t, "#") {
				empty = false
				break
			}
		}
		if empty {
			continue
		}
		kind := ""
		if m := kindLine.FindStringSubmatch(part); m != nil {
			kind = m[1]
		}
		docs = append(docs, document{source, kind, strings.Trim(part, "\n")})
	}
	return docs
}

// installOrder is Helm's InstallOrder (pkg/releaseutil/kind_sorter.go).
var installOrder = []string{"Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
	"PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList",
	"ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
	"CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
	"ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service",
	"DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
	"APIService"}

func kindRank(kind string) int {
	for i, k := range installOrder {
		if k == kind {
			return i
		}
	}
	return len(installOrder) // unknown kinds (GatewayClass, ServiceMonitor) go last
}
