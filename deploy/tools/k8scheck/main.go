// Command k8scheck validates the Kubernetes manifests in a directory without
// a cluster:
//
//  1. every document of a built-in kind is decoded strictly into its
//     Kubernetes API type (k8s.io/api, and the Prometheus Operator's types
//     for ServiceMonitor and PrometheusRule): unknown or misspelt fields and
//     wrong value types are errors;
//
//  2. every custom resource of a kind whose CustomResourceDefinition is
//     given with -crds (KEDA's ScaledObject and TriggerAuthentication, from
//     the pinned KEDA module) is validated against that CRD's OpenAPI schema
//     as the API server does: unknown fields, types, enums, required fields.
//     A custom resource whose CRD was not given is an error, not a skip;
//
//  3. fields the API server requires are present (names, images, selectors,
//     ports), and names are valid;
//
//  4. the manifests fit together and fit collector: selectors match pod
//     labels, probes and Services name existing ports, envFrom names the
//     ConfigMap and Secret given, kustomization lists existing files and pins
//     the image, the pod's grace period covers SHUTDOWN_GRACE + 5s, the
//     memory limit holds WORKER_POOL_SIZE x MAX_CHILD_MEMORY, the root
//     filesystem is read-only with a writable /tmp mounted next to a
//     telemetry volume at TELEMETRY_DIR, the user is a non-root UID,
//     liveness is /healthz and readiness /readyz; the ScaledObject scales an
//     existing Deployment that sets no replicas, on the queue its ConfigMap
//     names, with a per-pod value that is a multiple of WORKER_POOL_SIZE, at
//     most as many pods as the PostgreSQL connection budget allows, and with
//     a shutdown grace above TASK_TIMEOUT so scale-in never kills a match;
//     the migrate Job is named after the release it runs.
//
//     go run ./k8scheck -crds $(go env GOMODCACHE)/github.com/kedacore/keda/v2@VERSION/config/crd/bases ../kubernetes
//
// With -rendered (the output of `kustomize build`), every image must carry
// a pinned tag or digest.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	yamlutil "k8s.io/apimachinery/pkg/util/yaml"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"github.com/pewstats/collector/deploy/tools/internal/units"
)

// kustomization is the part of kustomize's Kustomization this directory uses;
// strict decoding into it rejects anything else.
type kustomization struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Labels     []struct {
		Pairs            map[string]string `json:"pairs"`
		IncludeSelectors bool              `json:"includeSelectors,omitempty"`
		IncludeTemplates bool              `json:"includeTemplates,omitempty"`
	} `json:"labels,omitempty"`
	Resources []string `json:"resources"`
	Images    []struct {
		Name    string `json:"name"`
		NewName string `json:"newName,omitempty"`
		NewTag  string `json:"newTag,omitempty"`
		Digest  string `json:"digest,omitempty"`
	} `json:"images,omitempty"`
	Replacements []struct {
		Source  map[string]any `json:"source"`
		Targets []struct {
			Select struct {
				Kind string `json:"kind"`
				Name string `json:"name"`
			} `json:"select"`
			FieldPaths []string       `json:"fieldPaths"`
			Options    map[string]any `json:"options,omitempty"`
		} `json:"targets"`
	} `json:"replacements,omitempty"`
}

// scaledObject is the part of KEDA's ScaledObject the cross-checks read
// (the CRD schema has validated the whole object already).
type scaledObject struct {
	Metadata metav1.ObjectMeta `json:"metadata"`
	Spec     struct {
		ScaleTargetRef struct {
			Kind string `json:"kind"`
			Name string `json:"name"`
		} `json:"scaleTargetRef"`
		MinReplicaCount *int32 `json:"minReplicaCount"`
		MaxReplicaCount *int32 `json:"maxReplicaCount"`
		Triggers        []struct {
			Type              string            `json:"type"`
			Metadata          map[string]string `json:"metadata"`
			AuthenticationRef *struct {
				Name string `json:"name"`
				Kind string `json:"kind"`
			} `json:"authenticationRef"`
		} `json:"triggers"`
	} `json:"spec"`
}

type triggerAuthentication struct {
	Metadata metav1.ObjectMeta `json:"metadata"`
	Spec     struct {
		SecretTargetRef []struct {
			Parameter string `json:"parameter"`
			Name      string `json:"name"`
			Key       string `json:"key"`
		} `json:"secretTargetRef"`
	} `json:"spec"`
}

// budgetAnnotation on the ScaledObject states how many PostgreSQL
// connections the worker fleet may use.
const budgetAnnotation = "collector.pewstats/postgres-connection-budget"

// floatingTags name a moving target, never a release.
var floatingTags = map[string]bool{"": true, "latest": true, "production": true, "prod": true, "main": true, "stable": true, "staging": true}

type objects struct {
	deployments     []*appsv1.Deployment
	jobs            []*batchv1.Job
	configMaps      map[string]*corev1.ConfigMap
	secrets         map[string]*corev1.Secret
	services        []*corev1.Service
	serviceMonitors []*monitoringv1.ServiceMonitor
	pdbs            []*policyv1.PodDisruptionBudget
	prometheusRules []*monitoringv1.PrometheusRule
	scaledObjects   []*scaledObject
	triggerAuths    map[string]*triggerAuthentication
	kustomizations  []*kustomization
	files           map[string]bool
}

var (
	crds     crdSchemas
	rendered bool
)

var problems []string

func bad(where, format string, args ...any) {
	problems = append(problems, where+": "+fmt.Sprintf(format, args...))
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var crdDirs listFlag
	flag.Var(&crdDirs, "crds", "directory of CustomResourceDefinition YAMLs to validate custom resources against (repeatable)")
	flag.BoolVar(&rendered, "rendered", false, "DIR holds `kustomize build` output: every image must be pinned")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: k8scheck [-crds DIR]... [-rendered] DIR")
		os.Exit(2)
	}
	crds = crdSchemas{}
	for _, d := range crdDirs {
		c, err := loadCRDs(d)
		if err != nil {
			fmt.Fprintln(os.Stderr, "k8scheck:", err)
			os.Exit(2)
		}
		for k, v := range c {
			crds[k] = v
		}
	}
	dir := flag.Arg(0)
	paths, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	sort.Strings(paths)
	o := &objects{configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{},
		triggerAuths: map[string]*triggerAuthentication{}, files: map[string]bool{}}
	n := 0
	for _, p := range paths {
		o.files[filepath.Base(p)] = true
		n += decodeFile(p, o)
	}
	crossCheck(o)
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Println(p)
		}
		os.Exit(1)
	}
	fmt.Printf("k8scheck: %d documents in %d files decode strictly (%d custom resources against their CRDs) and fit together\n",
		n, len(paths), len(o.scaledObjects)+len(o.triggerAuths))
}

func decodeFile(path string, o *objects) int {
	raw, err := os.ReadFile(path)
	if err != nil {
		bad(path, "%v", err)
		return 0
	}
	rd := yamlutil.NewYAMLReader(bufioReader(raw))
	n := 0
	for i := 1; ; i++ {
		doc, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			bad(path, "document %d: %v", i, err)
			break
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		n++
		where := fmt.Sprintf("%s#%d", filepath.Base(path), i)
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			bad(where, "not YAML: %v", err)
			continue
		}
		var target any
		switch tm.APIVersion + " " + tm.Kind {
		case "apps/v1 Deployment":
			target = add(&o.deployments)
		case "batch/v1 Job":
			target = add(&o.jobs)
		case "v1 ConfigMap":
			c := &corev1.ConfigMap{}
			target = c
			defer func() { o.configMaps[c.Name] = c }()
		case "v1 Secret":
			s := &corev1.Secret{}
			target = s
			defer func() { o.secrets[s.Name] = s }()
		case "v1 Service":
			target = add(&o.services)
		case "monitoring.coreos.com/v1 ServiceMonitor":
			target = add(&o.serviceMonitors)
		case "policy/v1 PodDisruptionBudget":
			target = add(&o.pdbs)
		case "monitoring.coreos.com/v1 PrometheusRule":
			target = add(&o.prometheusRules)
		case "kustomize.config.k8s.io/v1beta1 Kustomization":
			target = add(&o.kustomizations)
		case "keda.sh/v1alpha1 ScaledObject", "keda.sh/v1alpha1 TriggerAuthentication":
			if !validateCustom(where, tm.APIVersion+" "+tm.Kind, doc) {
				continue
			}
			if tm.Kind == "ScaledObject" {
				so := &scaledObject{}
				if err := yaml.Unmarshal(doc, so); err != nil {
					bad(where, "%v", err)
					continue
				}
				o.scaledObjects = append(o.scaledObjects, so)
			} else {
				ta := &triggerAuthentication{}
				if err := yaml.Unmarshal(doc, ta); err != nil {
					bad(where, "%v", err)
					continue
				}
				o.triggerAuths[ta.Metadata.Name] = ta
			}
			continue
		default:
			bad(where, "unexpected apiVersion/kind %q %q", tm.APIVersion, tm.Kind)
			continue
		}
		if !decodeStrict(where, tm.Kind, doc, target) {
			continue
		}
		if m, ok := target.(metav1.Object); ok && m.GetName() == "" {
			bad(where, "%s has no metadata.name", tm.Kind)
		}
	}
	return n
}

// decodeStrict decodes one YAML document the way the API server decodes a
// request in strict mode: duplicate keys, unknown fields and fields in the
// wrong case (readOnlyRootFileSystem) are errors, where encoding/json would
// silently accept or drop them.
func decodeStrict(where, kind string, doc []byte, target any) bool {
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		bad(where, "%s: %v", kind, err)
		return false
	}
	strictErrs, err := sigsjson.UnmarshalStrict(j, target)
	if err != nil {
		bad(where, "%s: %v", kind, err)
		return false
	}
	for _, e := range strictErrs {
		bad(where, "%s: %v", kind, e)
	}
	return len(strictErrs) == 0
}

// validateCustom checks a custom resource against its CRD.
func validateCustom(where, key string, doc []byte) bool {
	c, ok := crds[key]
	if !ok {
		bad(where, "no CustomResourceDefinition for %s was given (-crds): it cannot be validated", key)
		return false
	}
	obj, err := decodeUnstructured(doc)
	if err != nil {
		bad(where, "%s: %v", key, err)
		return false
	}
	errs := c.validate(obj)
	for _, e := range errs {
		bad(where, "%s: %s", key, e)
	}
	if name, _, _ := unstructuredName(obj); name == "" {
		bad(where, "%s has no metadata.name", key)
	}
	return len(errs) == 0
}

func unstructuredName(obj map[string]any) (string, bool, error) {
	md, _ := obj["metadata"].(map[string]any)
	name, ok := md["name"].(string)
	return name, ok, nil
}

// intOrPercent checks an IntOrString that the API server accepts only as an
// integer or a percentage.
func intOrPercent(where, field string, v *intstr.IntOrString) {
	if v != nil && v.Type == intstr.String && !strings.HasSuffix(v.StrVal, "%") {
		bad(where, "%s %q is neither an integer nor a percentage", field, v.StrVal)
	}
}

func crossCheck(o *objects) {
	for _, p := range o.pdbs {
		intOrPercent("PodDisruptionBudget "+p.Name, "maxUnavailable", p.Spec.MaxUnavailable)
		intOrPercent("PodDisruptionBudget "+p.Name, "minAvailable", p.Spec.MinAvailable)
	}
	for _, d := range o.deployments {
		if ru := d.Spec.Strategy.RollingUpdate; ru != nil {
			intOrPercent("Deployment "+d.Name, "maxUnavailable", ru.MaxUnavailable)
			intOrPercent("Deployment "+d.Name, "maxSurge", ru.MaxSurge)
		}
	}
	for _, k := range o.kustomizations {
		for _, r := range k.Resources {
			if !o.files[r] {
				bad("kustomization.yaml", "resource %s does not exist", r)
			}
			if strings.Contains(r, "secret") {
				bad("kustomization.yaml", "lists %s: real secrets must not be applied from git", r)
			}
		}
		if len(k.Images) == 0 {
			bad("kustomization.yaml", "no images: entry pins the release")
		}
		for _, im := range k.Images {
			if im.Digest == "" && floatingTags[im.NewTag] {
				bad("kustomization.yaml", "image %s: newTag %q is not a pinned release", im.Name, im.NewTag)
			}
		}
		for _, j := range o.jobs {
			named := false
			for _, r := range k.Replacements {
				for _, t := range r.Targets {
					if t.Select.Kind == "Job" && t.Select.Name == j.Name && slicesContains(t.FieldPaths, "metadata.name") {
						named = true
					}
				}
			}
			if !named {
				bad("kustomization.yaml", "no replacement names Job %s after the release: the next release's `kubectl apply -k` would fail on its immutable template", j.Name)
			}
		}
	}
	for _, j := range o.jobs {
		where := "Job " + j.Name
		for _, msg := range validation.IsDNS1123Subdomain(j.Name) {
			bad(where, "name: %s", msg)
		}
		if len(j.Name) > validation.DNS1123LabelMaxLength {
			bad(where, "name longer than 63 characters: its pods' job-name label would be rejected")
		}
		for _, c := range j.Spec.Template.Spec.Containers {
			if tag := imageTag(c.Image); tag != "" && !strings.HasSuffix(j.Name, "-"+tag) {
				bad(where, "runs %s but is not named after that release (…-%s)", c.Image, tag)
			}
		}
	}
	if rendered {
		for _, spec := range podSpecs(o) {
			for _, c := range spec.spec.Containers {
				if !strings.Contains(c.Image, "@") && floatingTags[imageTag(c.Image)] {
					bad(spec.where, "container %s runs %q: not a pinned release", c.Name, c.Image)
				}
			}
		}
	}
	checkScaling(o)
	for _, m := range o.serviceMonitors {
		if m.Spec.JobLabel == "" {
			bad("ServiceMonitor "+m.Name, "no jobLabel: the job label would be the Service's name, and the alerts select job=\"collector\"")
			continue
		}
		for _, s := range o.services {
			if sel, err := metav1.LabelSelectorAsSelector(&m.Spec.Selector); err == nil && sel.Matches(labels.Set(s.Labels)) && s.Labels[m.Spec.JobLabel] != "collector" {
				bad("ServiceMonitor "+m.Name, "jobLabel %s of Service %s is %q; the alerts select job=\"collector\"", m.Spec.JobLabel, s.Name, s.Labels[m.Spec.JobLabel])
			}
		}
	}
	for _, d := range o.deployments {
		where := "Deployment " + d.Name
		sel := selector(where, d.Spec.Selector)
		if sel != nil && !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			bad(where, "selector does not match the pod template's labels")
		}
		if d.Spec.Strategy.RollingUpdate != nil && d.Spec.Strategy.RollingUpdate.MaxUnavailable != nil && d.Spec.Strategy.RollingUpdate.MaxSurge != nil &&
			d.Spec.Strategy.RollingUpdate.MaxUnavailable.IntValue() == 0 && d.Spec.Strategy.RollingUpdate.MaxSurge.IntValue() == 0 {
			bad(where, "maxSurge and maxUnavailable are both 0: a rollout can never progress")
		}
		checkPod(where, &d.Spec.Template.Spec, o, true)
		for _, s := range o.services {
			if s.Spec.Selector != nil && labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) {
				for _, p := range s.Spec.Ports {
					if p.TargetPort.Type == intstr.String && !hasPort(&d.Spec.Template.Spec, p.TargetPort.StrVal) {
						bad("Service "+s.Name, "targetPort %q is not a container port of %s", p.TargetPort.StrVal, where)
					}
				}
			}
		}
		matched := false
		for _, p := range o.pdbs {
			if s := selector("PodDisruptionBudget "+p.Name, p.Spec.Selector); s != nil && s.Matches(labels.Set(d.Spec.Template.Labels)) {
				matched = true
			}
		}
		if len(o.pdbs) > 0 && !matched {
			bad(where, "no PodDisruptionBudget selects its pods")
		}
	}
	for _, j := range o.jobs {
		where := "Job " + j.Name
		rp := j.Spec.Template.Spec.RestartPolicy
		if rp != corev1.RestartPolicyNever && rp != corev1.RestartPolicyOnFailure {
			bad(where, "restartPolicy must be Never or OnFailure, got %q", rp)
		}
		checkPod(where, &j.Spec.Template.Spec, o, false)
	}
	for _, s := range o.services {
		if len(s.Spec.Ports) == 0 {
			bad("Service "+s.Name, "no ports")
		}
		selects := false
		for _, d := range o.deployments {
			if labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) {
				selects = true
			}
		}
		if !selects {
			bad("Service "+s.Name, "selects no Deployment's pods")
		}
	}
	for _, m := range o.serviceMonitors {
		where := "ServiceMonitor " + m.Name
		sel := selector(where, &m.Spec.Selector)
		found := false
		for _, s := range o.services {
			if sel == nil || !sel.Matches(labels.Set(s.Labels)) {
				continue
			}
			found = true
			for _, ep := range m.Spec.Endpoints {
				ok := false
				for _, p := range s.Spec.Ports {
					if p.Name == ep.Port {
						ok = true
					}
				}
				if !ok {
					bad(where, "endpoint port %q is not a port of Service %s", ep.Port, s.Name)
				}
			}
		}
		if !found {
			bad(where, "selects no Service (it matches Service labels, not pod labels)")
		}
	}
}

// checkPod checks a pod spec against collector's needs. Settings are read
// from the ConfigMaps the containers take their environment from.
func checkPod(where string, spec *corev1.PodSpec, o *objects, supervisor bool) {
	env := map[string]string{}
	psc := spec.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		bad(where, "pod securityContext.runAsNonRoot is not true")
	}
	if psc == nil || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		bad(where, "pod securityContext.runAsUser must be a non-zero UID")
	}
	if len(spec.Containers) == 0 {
		bad(where, "no containers")
		return
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = v
	}
	for _, c := range spec.Containers {
		cw := where + " container " + c.Name
		if c.Name == "" || c.Image == "" {
			bad(cw, "name and image are required")
		}
		for _, ef := range c.EnvFrom {
			switch {
			case ef.ConfigMapRef != nil:
				cm, ok := o.configMaps[ef.ConfigMapRef.Name]
				if !ok {
					bad(cw, "envFrom names ConfigMap %q, which is not defined here", ef.ConfigMapRef.Name)
					continue
				}
				for k, v := range cm.Data {
					env[k] = v
				}
			case ef.SecretRef != nil:
				s, ok := o.secrets[ef.SecretRef.Name]
				if !ok {
					bad(cw, "envFrom names Secret %q; no example of it (secret.example.yaml) defines that name", ef.SecretRef.Name)
					continue
				}
				for _, k := range []string{"POSTGRES_PASSWORD"} {
					if _, ok := s.StringData[k]; !ok {
						bad(cw, "Secret %s has no %s", s.Name, k)
					}
				}
			}
		}
		for _, e := range c.Env {
			if strings.Contains(e.Name, "PASSWORD") && e.Value != "" {
				bad(cw, "%s is set inline; passwords come from the Secret", e.Name)
			}
			if e.Value != "" {
				env[e.Name] = e.Value
			}
		}
		for _, a := range append(append([]string{}, c.Command...), c.Args...) {
			if strings.Contains(a, "password") {
				bad(cw, "a password flag on the command line shows in ps and the pod spec")
			}
		}
		sc := c.SecurityContext
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			bad(cw, "allowPrivilegeEscalation is not false")
		}
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			bad(cw, "readOnlyRootFilesystem is not true")
		}
		if sc == nil || sc.Capabilities == nil || len(sc.Capabilities.Drop) == 0 {
			bad(cw, "capabilities are not dropped")
		}
		if c.Resources.Limits.Memory().IsZero() {
			bad(cw, "no memory limit")
		}
		for _, m := range c.VolumeMounts {
			if _, ok := volumes[m.Name]; !ok {
				bad(cw, "mounts volume %q, which the pod does not define", m.Name)
			}
		}
		if !supervisor {
			continue
		}
		if len(c.Command) < 2 || c.Command[0] != "collector" || c.Command[1] != "supervise" {
			bad(cw, "command is not collector supervise")
		}
		tmp := false
		for _, m := range c.VolumeMounts {
			if m.MountPath == "/tmp" && !m.ReadOnly {
				tmp = true
			}
		}
		if !tmp {
			bad(cw, "no writable /tmp: with a read-only root filesystem go-plugin cannot create the children's sockets")
		}
		if dir, ok := env["TELEMETRY_DIR"]; ok {
			mounted := false
			for _, m := range c.VolumeMounts {
				if m.MountPath == dir {
					mounted = true
				}
			}
			if !mounted {
				bad(cw, "TELEMETRY_DIR is %s but no volume is mounted there: every file_path would be outside it", dir)
			}
		}
		probe(cw, "liveness", c.LivenessProbe, "/healthz", spec)
		probe(cw, "readiness", c.ReadinessProbe, "/readyz", spec)
		for _, k := range []string{"WORKER_ID"} {
			if _, ok := env[k]; !ok && !hasEnv(c, k) {
				bad(cw, "%s is not set", k)
			}
		}
		grace := 25 * time.Second
		if v, ok := env["SHUTDOWN_GRACE"]; ok {
			d, err := units.Duration(v)
			if err != nil {
				bad(cw, "SHUTDOWN_GRACE %q: %v", v, err)
			}
			grace = d
		}
		tgp := 30 * time.Second // Kubernetes' default
		if spec.TerminationGracePeriodSeconds != nil {
			tgp = time.Duration(*spec.TerminationGracePeriodSeconds) * time.Second
		}
		if tgp < grace+units.ShutdownMargin {
			bad(where, "terminationGracePeriodSeconds %s < SHUTDOWN_GRACE %s + %s", tgp, grace, units.ShutdownMargin)
		}
		if v, ok := env["TASK_TIMEOUT"]; ok {
			if d, err := units.Duration(v); err != nil || d >= units.ConsumerTimeout {
				bad(cw, "TASK_TIMEOUT %q must be a duration below RabbitMQ's consumer_timeout (30m)", v)
			}
		}
		pool := int64(2)
		if v, ok := env["WORKER_POOL_SIZE"]; ok {
			p, err := strconv.ParseInt(v, 10, 64)
			if err != nil || p < 1 {
				bad(cw, "WORKER_POOL_SIZE %q is not a positive number", v)
			}
			pool = p
		}
		maxChild := int64(1 << 30)
		if v, ok := env["MAX_CHILD_MEMORY"]; ok {
			b, err := units.Bytes(v)
			if err != nil {
				bad(cw, "MAX_CHILD_MEMORY %q: %v", v, err)
			}
			maxChild = b
		}
		limit := c.Resources.Limits.Memory().Value()
		if maxChild > 0 && limit > 0 && limit < pool*maxChild+units.SupervisorOverhead {
			bad(cw, "memory limit %d MiB < %d children x MAX_CHILD_MEMORY %d MiB + 64 MiB", limit>>20, pool, maxChild>>20)
		}
	}
}

func probe(where, kind string, p *corev1.Probe, path string, spec *corev1.PodSpec) {
	if p == nil || p.HTTPGet == nil {
		bad(where, "no HTTP %s probe", kind)
		return
	}
	if p.HTTPGet.Path != path {
		bad(where, "%s probe path is %q, want %s", kind, p.HTTPGet.Path, path)
	}
	if p.HTTPGet.Port.Type == intstr.String && !hasPort(spec, p.HTTPGet.Port.StrVal) {
		bad(where, "%s probe names port %q, which no container declares", kind, p.HTTPGet.Port.StrVal)
	}
}

func hasPort(spec *corev1.PodSpec, name string) bool {
	for _, c := range spec.Containers {
		for _, p := range c.Ports {
			if p.Name == name {
				return true
			}
		}
	}
	return false
}

func hasEnv(c corev1.Container, name string) bool {
	for _, e := range c.Env {
		if e.Name == name {
			return true
		}
	}
	return false
}

func selector(where string, s *metav1.LabelSelector) labels.Selector {
	if s == nil || (len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0) {
		bad(where, "empty selector")
		return nil
	}
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		bad(where, "selector: %v", err)
		return nil
	}
	return sel
}

func stripComments(doc []byte) []byte {
	var out [][]byte
	for _, l := range bytes.Split(doc, []byte("\n")) {
		if t := bytes.TrimSpace(l); len(t) > 0 && t[0] != '#' {
			out = append(out, l)
		}
	}
	return bytes.Join(out, []byte("\n"))
}

func slicesContains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// imageTag is the tag of an image reference ("" when it has none).
func imageTag(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[i+1:]
	}
	return ""
}

type namedPodSpec struct {
	where string
	spec  *corev1.PodSpec
}

func podSpecs(o *objects) []namedPodSpec {
	var out []namedPodSpec
	for _, d := range o.deployments {
		out = append(out, namedPodSpec{"Deployment " + d.Name, &d.Spec.Template.Spec})
	}
	for _, j := range o.jobs {
		out = append(out, namedPodSpec{"Job " + j.Name, &j.Spec.Template.Spec})
	}
	return out
}

// envOf collects a container's environment from its ConfigMaps and env.
func envOf(c corev1.Container, o *objects) map[string]string {
	env := map[string]string{}
	for _, ef := range c.EnvFrom {
		if ef.ConfigMapRef != nil {
			if cm, ok := o.configMaps[ef.ConfigMapRef.Name]; ok {
				for k, v := range cm.Data {
					env[k] = v
				}
			}
		}
	}
	for _, e := range c.Env {
		if e.Value != "" {
			env[e.Name] = e.Value
		}
	}
	return env
}

// checkScaling checks each KEDA ScaledObject against the Deployment it
// scales and the settings that Deployment runs with.
func checkScaling(o *objects) {
	for _, so := range o.scaledObjects {
		where := "ScaledObject " + so.Metadata.Name
		ref := so.Spec.ScaleTargetRef
		if ref.Kind != "" && ref.Kind != "Deployment" {
			bad(where, "scales a %s; collector runs as a Deployment", ref.Kind)
			continue
		}
		var d *appsv1.Deployment
		for _, x := range o.deployments {
			if x.Name == ref.Name {
				d = x
			}
		}
		if d == nil {
			bad(where, "scaleTargetRef %q is no Deployment here", ref.Name)
			continue
		}
		if d.Spec.Replicas != nil {
			bad("Deployment "+d.Name, "sets replicas: %d although %s scales it: every apply would reset the autoscaler's count", *d.Spec.Replicas, where)
		}
		if len(d.Spec.Template.Spec.Containers) == 0 {
			continue
		}
		env := envOf(d.Spec.Template.Spec.Containers[0], o)
		num := func(k string, def int64) int64 {
			v, ok := env[k]
			if !ok {
				return def
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				bad(where, "%s %q is not a number", k, v)
			}
			return n
		}
		pool, dbMax := num("WORKER_POOL_SIZE", 2), num("DB_MAX_CONNS", 2)
		if so.Spec.MinReplicaCount == nil || *so.Spec.MinReplicaCount < 1 {
			bad(where, "minReplicaCount must be at least 1: with no pod, nothing consumes the queue (and CollectorNoConsumer fires)")
		}
		// Connections: every pod holds pool x DB_MAX_CONNS, plus one for a
		// replaced child whose connection is still closing.
		perPod := pool*dbMax + 1
		budgetText, ok := so.Metadata.Annotations[budgetAnnotation]
		budget, err := strconv.ParseInt(budgetText, 10, 64)
		switch {
		case !ok || err != nil || budget < 1:
			bad(where, "annotation %s (the PostgreSQL connections the fleet may use) is missing or not a number", budgetAnnotation)
		case so.Spec.MaxReplicaCount == nil:
			bad(where, "no maxReplicaCount: KEDA's default (100) x %d connections per pod exceeds the budget of %d", perPod, budget)
		case int64(*so.Spec.MaxReplicaCount)*perPod > budget:
			bad(where, "maxReplicaCount %d x (WORKER_POOL_SIZE %d x DB_MAX_CONNS %d + 1) = %d connections > budget %d; at most %d pods",
				*so.Spec.MaxReplicaCount, pool, dbMax, int64(*so.Spec.MaxReplicaCount)*perPod, budget, budget/perPod)
		}
		// Scale-in deletes pods: a match in flight must be allowed to finish.
		grace, _ := units.Duration(envDefault(env, "SHUTDOWN_GRACE", "25s"))
		timeout, _ := units.Duration(envDefault(env, "TASK_TIMEOUT", "5m"))
		if grace < timeout {
			bad(where, "scale-in would kill matches in flight: SHUTDOWN_GRACE %s < TASK_TIMEOUT %s", grace, timeout)
		}
		if len(so.Spec.Triggers) != 1 || so.Spec.Triggers[0].Type != "rabbitmq" {
			bad(where, "want exactly one trigger, of type rabbitmq")
			continue
		}
		t := so.Spec.Triggers[0]
		md := t.Metadata
		if md["mode"] != "QueueLength" {
			bad(where, "trigger mode %q, want QueueLength", md["mode"])
		}
		if md["protocol"] != "http" {
			bad(where, "trigger protocol %q, want http: over AMQP the count leaves out the unacknowledged (prefetched) messages", md["protocol"])
		}
		if md["excludeUnacknowledged"] == "true" {
			bad(where, "excludeUnacknowledged: the messages the pods hold must count")
		}
		if v, err := strconv.ParseInt(md["value"], 10, 64); err != nil || v < pool || v%pool != 0 {
			bad(where, "trigger value %q must be a whole multiple of WORKER_POOL_SIZE (%d): the messages one pod works through per polling interval", md["value"], pool)
		}
		if want := "match.processing." + envDefault(env, "ENVIRONMENT", "development"); md["queueName"] != want {
			bad(where, "queueName %q, but the workers consume %s", md["queueName"], want)
		}
		if want := envDefault(env, "RABBITMQ_VHOST", "/"); md["vhostName"] != want {
			bad(where, "vhostName %q, but the workers use RABBITMQ_VHOST %q", md["vhostName"], want)
		}
		if md["host"] != "" || md["password"] != "" {
			bad(where, "credentials in the trigger metadata: they belong in the TriggerAuthentication's Secret")
		}
		if t.AuthenticationRef == nil {
			bad(where, "no authenticationRef: the management API needs credentials")
			continue
		}
		ta, ok := o.triggerAuths[t.AuthenticationRef.Name]
		if !ok {
			bad(where, "authenticationRef %q is no TriggerAuthentication here", t.AuthenticationRef.Name)
			continue
		}
		hasHost := false
		for _, ref := range ta.Spec.SecretTargetRef {
			if ref.Parameter == "host" {
				hasHost = true
			}
			s, ok := o.secrets[ref.Name]
			if !ok {
				bad("TriggerAuthentication "+ta.Metadata.Name, "Secret %q has no example (secret.example.yaml)", ref.Name)
				continue
			}
			if _, ok := s.StringData[ref.Key]; !ok {
				bad("TriggerAuthentication "+ta.Metadata.Name, "Secret %s has no key %q", ref.Name, ref.Key)
			}
		}
		if !hasHost {
			bad("TriggerAuthentication "+ta.Metadata.Name, "no secretTargetRef for parameter host (the management API URL)")
		}
	}
}

func envDefault(env map[string]string, k, def string) string {
	if v, ok := env[k]; ok {
		return v
	}
	return def
}

// add appends a new, zero T to *list for a document to be decoded into.
func add[T any](list *[]*T) *T {
	v := new(T)
	*list = append(*list, v)
	return v
}
