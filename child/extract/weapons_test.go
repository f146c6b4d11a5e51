package extract

import (
	"encoding/json"
	"os"
	"testing"
)

// testdata/weapon_categories.json is the reference's WEAPON_CATEGORIES table
// and its answers for a few unlisted names, dumped once from the Python module.
func TestWeaponCategoryMatchesReferenceTable(t *testing.T) {
	b, err := os.ReadFile("testdata/weapon_categories.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Table   map[string]string
		Unknown map[string]string
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Table) != 144 {
		t.Fatalf("reference table has %d entries, want 144", len(ref.Table))
	}
	for name, want := range ref.Table {
		if got := WeaponCategory(name); got != want {
			t.Errorf("WeaponCategory(%q) = %q, want %q", name, got, want)
		}
	}
	for name := range weaponCategory {
		if _, ok := ref.Table[name]; !ok {
			t.Errorf("%q is categorised here but not in the reference", name)
		}
	}
	for name, want := range ref.Unknown {
		if got := WeaponCategory(name); got != want {
			t.Errorf("WeaponCategory(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestWeaponCategoryEveryCategory(t *testing.T) {
	tests := []struct{ name, want string }{
		{"WeapHK416_C", CategoryAR},
		{"WeapMini14_C", CategoryDMR},
		{"WeapKar98k_C", CategorySR},
		{"WeapUMP_C", CategorySMG},
		{"WeapSaiga12_C", CategoryShotgun},
		{"WeapDP28_C", CategoryLMG},
		{"WeapG18_C", CategoryPistol},
		{"PlayerMale_A_C", CategoryMelee},
		{"ProjGrenade_C", CategoryThrowable},
		{"Jerrycan", CategoryThrowable},
		{"WeapCrossbow_1_C", CategorySpecial},
		{"BP_Mirado_A_03_C", CategoryVehicle},
		{"Bluezonebomb_EffectActor_C", CategoryEnvironment},
		// No fallbacks: exact, case-sensitive, whole-name matches only.
		{"", CategoryOther},
		{"Unknown", CategoryOther},
		{"weaphk416_c", CategoryOther},
		{"WeapHK416_Gold_C", CategoryOther},
		{"WeapHK416", CategoryOther},
		{"Item_Weapon_HK416_C", CategoryOther},
	}
	for _, tt := range tests {
		if got := WeaponCategory(tt.name); got != tt.want {
			t.Errorf("WeaponCategory(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	counts := map[string]int{}
	for _, c := range weaponCategory {
		counts[c]++
	}
	want := map[string]int{CategoryVehicle: 54, CategoryAR: 16, CategoryMelee: 12, CategoryThrowable: 11,
		CategoryDMR: 9, CategorySMG: 9, CategoryEnvironment: 9, CategoryPistol: 7, CategorySR: 6,
		CategoryShotgun: 6, CategoryLMG: 3, CategorySpecial: 2}
	for c, n := range want {
		if counts[c] != n {
			t.Errorf("category %s has %d weapons, want %d", c, counts[c], n)
		}
	}
}
