// Command k8scheck validates the Kubernetes manifests in a directory without
// a cluster or downloaded schemas:
//
//  1. every document is decoded strictly into its Kubernetes API type
//     (k8s.io/api, and the Prometheus Operator's types for ServiceMonitor):
//     unknown or misspelt fields and wrong value types are errors;
//
//  2. fields the API server requires are present (names, images, selectors,
//     ports);
//
//  3. the manifests fit together and fit collector: selectors match pod
//     labels, probes and Services name existing ports, envFrom names the
//     ConfigMap and Secret given, kustomization lists existing files, the
//     pod's grace period covers SHUTDOWN_GRACE + 5s, the memory limit holds
//     WORKER_POOL_SIZE x MAX_CHILD_MEMORY, the root filesystem is read-only
//     with a writable /tmp, the user is a non-root UID, liveness is /healthz
//     and readiness /readyz.
//
//     go run ./k8scheck ../kubernetes
package main

import (
	"bytes"
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
}

type objects struct {
	deployments     []*appsv1.Deployment
	jobs            []*batchv1.Job
	configMaps      map[string]*corev1.ConfigMap
	secrets         map[string]*corev1.Secret
	services        []*corev1.Service
	serviceMonitors []*monitoringv1.ServiceMonitor
	pdbs            []*policyv1.PodDisruptionBudget
	kustomizations  []*kustomization
	files           map[string]bool
}

var problems []string

func bad(where, format string, args ...any) {
	problems = append(problems, where+": "+fmt.Sprintf(format, args...))
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: k8scheck DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	paths, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	sort.Strings(paths)
	o := &objects{configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{}, files: map[string]bool{}}
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
	fmt.Printf("k8scheck: %d documents in %d files decode strictly and fit together\n", n, len(paths))
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
			d := &appsv1.Deployment{}
			o.deployments, target = append(o.deployments, d), d
		case "batch/v1 Job":
			j := &batchv1.Job{}
			o.jobs, target = append(o.jobs, j), j
		case "v1 ConfigMap":
			c := &corev1.ConfigMap{}
			target = c
			defer func() { o.configMaps[c.Name] = c }()
		case "v1 Secret":
			s := &corev1.Secret{}
			target = s
			defer func() { o.secrets[s.Name] = s }()
		case "v1 Service":
			s := &corev1.Service{}
			o.services, target = append(o.services, s), s
		case "monitoring.coreos.com/v1 ServiceMonitor":
			s := &monitoringv1.ServiceMonitor{}
			o.serviceMonitors, target = append(o.serviceMonitors, s), s
		case "policy/v1 PodDisruptionBudget":
			p := &policyv1.PodDisruptionBudget{}
			o.pdbs, target = append(o.pdbs, p), p
		case "kustomize.config.k8s.io/v1beta1 Kustomization":
			k := &kustomization{}
			o.kustomizations, target = append(o.kustomizations, k), k
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
