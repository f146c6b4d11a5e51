package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	yamlutil "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// crdSchema is one served version of a CustomResourceDefinition, ready to
// validate objects the way the API server does on create.
type crdSchema struct {
	source     string
	structural *structuralschema.Structural
	validator  apiservervalidation.SchemaValidator
}

// crdSchemas maps "group/version Kind" to its schema.
type crdSchemas map[string]*crdSchema

// loadCRDs reads every CustomResourceDefinition in the *.yaml files of dir
// (for example KEDA's config/crd/bases from its Go module).
func loadCRDs(dir string) (crdSchemas, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no *.yaml CRDs in %s", dir)
	}
	out := crdSchemas{}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		rd := yamlutil.NewYAMLReader(bufioReader(raw))
		for {
			doc, err := rd.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			var crd apiextensionsv1.CustomResourceDefinition
			if err := yaml.Unmarshal(doc, &crd); err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			if crd.Kind != "CustomResourceDefinition" {
				continue
			}
			for _, v := range crd.Spec.Versions {
				if !v.Served || v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
					continue
				}
				var internal apiextensions.JSONSchemaProps
				if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, &internal, nil); err != nil {
					return nil, fmt.Errorf("%s %s: %w", crd.Name, v.Name, err)
				}
				st, err := structuralschema.NewStructural(&internal)
				if err != nil {
					return nil, fmt.Errorf("%s %s: structural schema: %w", crd.Name, v.Name, err)
				}
				val, _, err := apiservervalidation.NewSchemaValidator(&internal)
				if err != nil {
					return nil, fmt.Errorf("%s %s: validator: %w", crd.Name, v.Name, err)
				}
				key := crd.Spec.Group + "/" + v.Name + " " + crd.Spec.Names.Kind
				out[key] = &crdSchema{source: filepath.Base(p), structural: st, validator: val}
			}
		}
	}
	return out, nil
}

// validate checks one custom object against its CRD: fields the schema does
// not know (which the API server would prune, and `kubectl apply
// --validate=strict` rejects) and every OpenAPI constraint (types, enums,
// required fields, patterns, ranges).
func (c *crdSchema) validate(obj map[string]any) []string {
	var out []string
	// Pruning mutates: work on a copy.
	cp, err := deepCopyJSON(obj)
	if err != nil {
		return []string{err.Error()}
	}
	unknown := pruning.PruneWithOptions(cp, c.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	sort.Strings(unknown)
	for _, u := range unknown {
		out = append(out, fmt.Sprintf("unknown field %q (not in %s)", u, c.source))
	}
	for _, e := range apiservervalidation.ValidateCustomResource(field.NewPath(""), obj, c.validator) {
		out = append(out, strings.TrimPrefix(e.Error(), "[]."))
	}
	return out
}

func deepCopyJSON(in map[string]any) (map[string]any, error) {
	b, err := utiljson.Marshal(in)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	return out, utiljson.Unmarshal(b, &out)
}

// decodeUnstructured turns a YAML document into the map the API server
// validates: integers stay int64, as the server's JSON decoding keeps them.
func decodeUnstructured(doc []byte) (map[string]any, error) {
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	return out, utiljson.Unmarshal(j, &out)
}
