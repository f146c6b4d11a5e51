package extract

// Weapon categories of damage causers (the damageCauserName of telemetry),
// as the reference's config/weapon_categories.py assigns them. The lookup is
// an exact, case-sensitive match on the whole name; anything unlisted
// (including the empty name) is "Other". There is no prefix, suffix or
// skin-variant fallback in the reference, so e.g. "WeapHK416_C" is AR while
// an unlisted skin such as "WeapHK416_Gold_C" is Other.
const (
	CategoryAR          = "AR"
	CategoryDMR         = "DMR"
	CategorySR          = "SR"
	CategorySMG         = "SMG"
	CategoryShotgun     = "Shotgun"
	CategoryLMG         = "LMG"
	CategoryPistol      = "Pistol"
	CategoryMelee       = "Melee"
	CategoryThrowable   = "Throwable"
	CategorySpecial     = "Special"
	CategoryVehicle     = "Vehicle"
	CategoryEnvironment = "Environment"
	CategoryOther       = "Other"
)

// weaponsByCategory is the table as data: 144 damage causers.
var weaponsByCategory = map[string][]string{
	CategoryAR: {
		"WeapACE32_C", "WeapAK47_C", "WeapAUG_C", "WeapBerylM762_C", "WeapFNFal_C",
		"WeapFamasG2_C", "WeapG36C_C", "WeapGroza_C", "WeapHK416_C", "WeapDuncansHK416_C",
		"WeapK2_C", "WeapLunchmeatsAK47_C", "WeapM16A4_C", "WeapMk47Mutant_C", "WeapQBZ95_C",
		"WeapSCAR-L_C",
	},
	CategoryDMR: {
		"WeapDragunov_C", "WeapMini14_C", "WeapMk12_C", "WeapMk14_C", "WeapSKS_C",
		"WeapVSS_C", "WeapQBU88_C", "WeapMadsQBU88_C", "WeapWin94_C",
	},
	CategorySR: {
		"WeapAWM_C", "WeapKar98k_C", "WeapJuliesKar98k_C", "WeapM24_C", "WeapMosinNagant_C",
		"WeapL6_C",
	},
	CategorySMG: {
		"WeapMP5K_C", "WeapUMP_C", "WeapVector_C", "WeapUZI_C", "WeapBizonPP19_C",
		"WeapJS9_C", "WeapMP9_C", "WeapP90_C", "WeapThompson_C",
	},
	CategoryShotgun: {
		"WeapBerreta686_C", "WeapDP12_C", "WeapOriginS12_C", "WeapSaiga12_C", "WeapSawnoff_C",
		"WeapWinchester_C",
	},
	CategoryLMG: {"WeapM249_C", "WeapDP28_C", "WeapMG3_C"},
	CategoryPistol: {
		"WeapDesertEagle_C", "WeapM1911_C", "WeapM9_C", "WeapNagantM1895_C", "WeapRhino_C",
		"Weapvz61Skorpion_C", "WeapG18_C",
	},
	CategoryMelee: {
		"WeapCowbar_C", "WeapCowbarProjectile_C", "WeapMachete_C", "WeapMacheteProjectile_C",
		"WeapPan_C", "WeapPanProjectile_C", "WeapPickaxe_C", "WeapPickaxeProjectile_C",
		"WeapSickle_C", "WeapSickleProjectile_C",
		// Fists.
		"PlayerFemale_A_C", "PlayerMale_A_C",
	},
	CategoryThrowable: {
		"ProjGrenade_C", "ProjMolotov_C", "ProjSmokeGrenade_C", "ProjFlashBang_C",
		"ProjStickyGrenade_C", "ProjC4_C", "BP_MolotovFireDebuff_C",
		// The reference files the Panzerfaust and jerrycans under Throwable.
		"WeapPanzerFaust100M1_C", "PanzerFaust100M_Projectile_C", "JerrycanFire", "Jerrycan",
	},
	CategorySpecial: {"WeapCrossbow_1_C", "Mortar_Projectile_C"},
	CategoryVehicle: {
		"BP_CoupeRB_C", "BP_PonyCoupe_C", "Dacia_A_01_C", "Dacia_A_02_C", "Dacia_A_03_v2_C",
		"Dacia_A_03_v2_Esports_C", "Dacia_A_04_v2_C",
		"BP_Mirado_A_01_C", "BP_Mirado_A_02_C", "BP_Mirado_A_03_C", "BP_Mirado_A_03_Esports_C",
		"BP_Mirado_A_04_C", "BP_Mirado_Open_05_C",
		"BP_PickupTruck_A_01_C", "BP_PickupTruck_A_02_C", "BP_PickupTruck_A_03_C",
		"BP_PickupTruck_A_04_C", "BP_PickupTruck_A_05_C", "BP_PickupTruck_A_esports_C",
		"Uaz_A_01_C", "Uaz_B_01_C", "Uaz_B_01_esports_C", "Uaz_C_01_C",
		"BP_Niva_04_C", "BP_Niva_05_C", "BP_Niva_06_C", "BP_Niva_07_C", "BP_Niva_Esports_C",
		"BP_M_Rony_A_01_C", "BP_M_Rony_A_02_C",
		"BP_Pillar_Car_C", "BP_Porter_C", "BP_Blanc_C", "BP_Blanc_Esports_C",
		"BP_Motorbike_04_C", "BP_Motorbike_04_Desert_C", "BP_Motorbike_04_SideCar_C",
		"BP_Motorbike_04_SideCar_Desert_C", "BP_Dirtbike_C", "AquaRail_A_01_C",
		"BP_ATV_C", "BP_Bicycle_C", "BP_BRDM_C", "BP_PicoBus_C", "BP_Food_Truck_C", "BP_LootTruck_C",
		"Boat_PG117_C", "BP_BearV2_C",
		"BP_Motorglider_C", "BP_Motorglider_Blue_C", "BP_Motorglider_Green_C",
		"BP_Motorglider_Orange_C", "BP_Motorglider_Red_C", "BP_Motorglider_Teal_C",
	},
	CategoryEnvironment: {
		"Bluezonebomb_EffectActor_C", "BlackZoneBombingField_Def_C", "BP_FireEffectController_C",
		"TslGameModeBase_BattleRoyaleBP_C", "Buff_DecreaseBreathInApnea_C", "BP_Eragel_CargoShip01_C",
		"BP_Baltic_GasPump_C", "BP_DesertTslGasPump_C", "BP_NE_GasPump_C",
	},
}

var weaponCategory = func() map[string]string {
	m := make(map[string]string, 160)
	for cat, names := range weaponsByCategory {
		for _, n := range names {
			if prev, dup := m[n]; dup {
				panic("weapon " + n + " listed under " + prev + " and " + cat)
			}
			m[n] = cat
		}
	}
	return m
}()

// WeaponCategory is the reference's get_weapon_category.
func WeaponCategory(damageCauser string) string {
	if c, ok := weaponCategory[damageCauser]; ok {
		return c
	}
	return CategoryOther
}
