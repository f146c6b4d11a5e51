package synth

// Static game data: maps, weapons, items and vehicles, named with the ids real
// telemetry uses (pubg/api-assets dictionaries).

// mapInfo describes one map.
type mapInfo struct {
	name       string   // telemetry / API mapName
	size       float64  // side length in centimetres
	regions    []string // regionId values for Character.zone
	vehicles   []string // vehicleId values found on the map
	blueZone   string   // damageCauserName of blue-zone damage
	snow       bool     // snowballs are common
	weather    []string
	displayAPI string // matches.map_name as the discovery service stores it
	displaySum string // match_summaries.map_name as the summary worker stores it
}

var maps = []mapInfo{
	{
		name: "Baltic_Main", size: 816000,
		regions: []string{"pochinki", "school", "rozhok", "georgopol", "yasnayapolyana", "lipovka", "mylta",
			"novorepnoye", "primorsk", "gatka", "severny", "zharki", "stalber", "kameshki", "farm",
			"hospital", "quarry", "shelter", "prison", "mansion", "sosnovkamilitarybase", "ruins", "ferrypier", "shootingrange"},
		vehicles:   []string{"Dacia_A_01_v2_C", "Dacia_A_03_v2_C", "Uaz_A_01_C", "Uaz_B_01_C", "Uaz_C_01_C", "BP_Mirado_A_02_C", "BP_Motorbike_04_C", "BP_Motorbike_04_SideCar_C", "Buggy_A_01_C", "BP_M_Rony_A_01_C", "BP_PickupTruck_A_01_C"},
		blueZone:   "BattleRoyaleModeController_Def_C",
		weather:    []string{"Clear", "Clear_02", "Overcast", "Sunset", "Weather_Clear"},
		displayAPI: "Erangel (Remastered)", displaySum: "Erangel",
	},
	{
		name: "Desert_Main", size: 816000,
		regions: []string{"pecado", "sanmartin", "elpozo", "losleones", "heciendadelpatron", "lacobreria", "chumacera",
			"montenuevo", "powergrid", "campomilitar", "valledelmar", "ruins", "alcantara", "graveyard",
			"prison", "junkyard", "cruzdelvalle", "torreahumada", "puertoparaiso", "ladrillera"},
		vehicles:   []string{"BP_PickupTruck_A_01_C", "BP_PickupTruck_B_02_C", "BP_Van_A_01_C", "BP_Mirado_Open_03_C", "Buggy_A_02_C", "BP_Motorbike_04_Desert_C", "BP_Motorbike_04_SideCar_Desert_C", "Dacia_A_02_v2_C"},
		blueZone:   "BattleRoyaleModeController_Desert_C",
		weather:    []string{"Clear", "Sunrise", "Sunset", "Weather_Sunset"},
		displayAPI: "Miramar", displaySum: "Miramar",
	},
	{
		name: "Tiger_Main", size: 816000,
		regions:    nil, // no published regionId list: zone is always []
		vehicles:   []string{"BP_PickupTruck_A_03_C", "Dacia_A_04_v2_C", "Uaz_B_01_C", "BP_Motorbike_04_C", "BP_Mirado_A_03_Esports_C", "BP_Van_A_02_C"},
		blueZone:   "BattleRoyaleModeController_Def_C",
		weather:    []string{"Clear", "Overcast", "Sunset"},
		displayAPI: "Taego", displaySum: "Taego",
	},
	{
		name: "DihorOtok_Main", size: 816000,
		regions: []string{"castle", "cosmodrome", "dinopark", "goroka", "podvosto", "volnova", "vihar", "peshkova",
			"trevno", "movatra", "tovar", "cantra", "abbey", "winery", "milnar", "krichas", "coalmine", "lumberyard", "sawmill"},
		vehicles:   []string{"BP_Snowmobile_01_C", "BP_Snowbike_01_C", "BP_Niva_01_C", "BP_Niva_02_C", "Uaz_B_01_C", "Dacia_A_01_v2_snow_C"},
		blueZone:   "BattleRoyaleModeController_DihorOtok_C",
		snow:       true,
		weather:    []string{"Snow", "Clear", "Overcast"},
		displayAPI: "Vikendi", displaySum: "Vikendi",
	},
	{
		name: "Kiki_Main", size: 816000,
		vehicles:   []string{"BP_PickupTruck_A_02_C", "Dacia_A_01_v2_C", "BP_Mirado_A_02_C", "BP_Motorbike_04_C", "Uaz_C_01_C"},
		blueZone:   "BattleRoyaleModeController_Def_C",
		weather:    []string{"Clear", "Overcast"},
		displayAPI: "Deston", displaySum: "Deston",
	},
	{
		name: "Neon_Main", size: 816000,
		vehicles:   []string{"BP_Mirado_A_02_C", "Dacia_A_03_v2_C", "BP_Van_A_03_C", "BP_Motorbike_04_C", "BP_PickupTruck_A_04_C"},
		blueZone:   "BattleRoyaleModeController_Def_C",
		weather:    []string{"Clear", "Sunset"},
		displayAPI: "Rondo", displaySum: "Rondo",
	},
}

// mapByName returns the map with the given internal name.
func mapByName(name string) (*mapInfo, bool) {
	for i := range maps {
		if maps[i].name == name {
			return &maps[i], true
		}
	}
	return nil, false
}

// weaponClass groups weapons by how they are used in a fight.
type weaponClass uint8

const (
	classAR weaponClass = iota
	classDMR
	classSR
	classSMG
	classShotgun
	classLMG
	classPistol
	classMelee
	classFists
)

type weapon struct {
	causer   string // damageCauserName
	item     string // item id, "" for fists
	class    weaponClass
	damage   float64 // base body damage of one hit
	weight   int     // how often it is looted
	ammo     string
	attaches []string // attachments it can carry
}

var (
	attachAR = []string{"Item_Attach_Weapon_Muzzle_Compensator_Large_C", "Item_Attach_Weapon_Lower_Foregrip_C",
		"Item_Attach_Weapon_Magazine_ExtendedQuickDraw_Large_C", "Item_Attach_Weapon_Stock_AR_Composite_C",
		"Item_Attach_Weapon_Upper_DotSight_01_C", "Item_Attach_Weapon_Upper_ACOG_01_C", "Item_Attach_Weapon_Lower_AngledForeGrip_C",
		"Item_Attach_Weapon_Muzzle_Suppressor_Large_C", "Item_Attach_Weapon_Upper_Holosight_C", "Item_Attach_Weapon_Upper_Scope3x_C"}
	attachSR = []string{"Item_Attach_Weapon_Muzzle_Suppressor_SniperRifle_C", "Item_Attach_Weapon_Upper_Scope6x_C",
		"Item_Attach_Weapon_Upper_CQBSS_C", "Item_Attach_Weapon_Stock_SniperRifle_CheekPad_C",
		"Item_Attach_Weapon_Magazine_ExtendedQuickDraw_SniperRifle_C", "Item_Attach_Weapon_Muzzle_Compensator_SniperRifle_C"}
	attachSMG = []string{"Item_Attach_Weapon_Muzzle_Compensator_Medium_C", "Item_Attach_Weapon_Magazine_ExtendedQuickDraw_Medium_C",
		"Item_Attach_Weapon_Upper_Holosight_C", "Item_Attach_Weapon_Lower_LaserPointer_C", "Item_Attach_Weapon_Muzzle_Suppressor_Medium_C"}
	attachSG = []string{"Item_Attach_Weapon_Muzzle_Choke_C", "Item_Attach_Weapon_Stock_Shotgun_BulletLoops_C", "Item_Attach_Weapon_Muzzle_Duckbill_C"}
)

var weapons = []weapon{
	{"WeapHK416_C", "Item_Weapon_HK416_C", classAR, 40, 30, "Item_Ammo_556mm_C", attachAR},
	{"WeapAK47_C", "Item_Weapon_AK47_C", classAR, 47, 24, "Item_Ammo_762mm_C", attachAR},
	{"WeapBerylM762_C", "Item_Weapon_BerylM762_C", classAR, 44, 14, "Item_Ammo_762mm_C", attachAR},
	{"WeapSCAR-L_C", "Item_Weapon_SCAR-L_C", classAR, 40, 16, "Item_Ammo_556mm_C", attachAR},
	{"WeapAUG_C", "Item_Weapon_AUG_C", classAR, 41, 4, "Item_Ammo_556mm_C", attachAR},
	{"WeapG36C_C", "Item_Weapon_G36C_C", classAR, 40, 6, "Item_Ammo_556mm_C", attachAR},
	{"WeapQBZ95_C", "Item_Weapon_QBZ95_C", classAR, 40, 6, "Item_Ammo_556mm_C", attachAR},
	{"WeapM16A4_C", "Item_Weapon_M16A4_C", classAR, 43, 8, "Item_Ammo_556mm_C", attachAR},
	{"WeapACE32_C", "Item_Weapon_ACE32_C", classAR, 43, 8, "Item_Ammo_762mm_C", attachAR},
	{"WeapMk47Mutant_C", "Item_Weapon_Mk47Mutant_C", classAR, 49, 4, "Item_Ammo_762mm_C", attachAR},
	{"WeapMini14_C", "Item_Weapon_Mini14_C", classDMR, 46, 12, "Item_Ammo_556mm_C", attachSR},
	{"WeapSKS_C", "Item_Weapon_SKS_C", classDMR, 53, 8, "Item_Ammo_762mm_C", attachSR},
	{"WeapFNFal_C", "Item_Weapon_FNFal_C", classDMR, 56, 4, "Item_Ammo_762mm_C", attachSR},
	{"WeapMk12_C", "Item_Weapon_Mk12_C", classDMR, 50, 6, "Item_Ammo_556mm_C", attachSR},
	{"WeapDragunov_C", "Item_Weapon_Dragunov_C", classDMR, 58, 3, "Item_Ammo_762mm_C", attachSR},
	{"WeapKar98k_C", "Item_Weapon_Kar98k_C", classSR, 79, 9, "Item_Ammo_762mm_C", attachSR},
	{"WeapM24_C", "Item_Weapon_M24_C", classSR, 75, 4, "Item_Ammo_762mm_C", attachSR},
	{"WeapMosinNagant_C", "Item_Weapon_Mosin_C", classSR, 79, 4, "Item_Ammo_762mm_C", attachSR},
	{"WeapWin94_C", "Item_Weapon_Win1894_C", classSR, 66, 2, "Item_Ammo_45ACP_C", nil},
	{"WeapUMP_C", "Item_Weapon_UMP_C", classSMG, 41, 12, "Item_Ammo_45ACP_C", attachSMG},
	{"WeapVector_C", "Item_Weapon_Vector_C", classSMG, 31, 6, "Item_Ammo_9mm_C", attachSMG},
	{"WeapUZI_C", "Item_Weapon_UZI_C", classSMG, 26, 6, "Item_Ammo_9mm_C", attachSMG},
	{"WeapMP5K_C", "Item_Weapon_MP5K_C", classSMG, 33, 5, "Item_Ammo_9mm_C", attachSMG},
	{"WeapThompson_C", "Item_Weapon_Thompson_C", classSMG, 40, 3, "Item_Ammo_45ACP_C", attachSMG},
	{"WeapBizonPP19_C", "Item_Weapon_BizonPP19_C", classSMG, 35, 3, "Item_Ammo_9mm_C", attachSMG},
	{"WeapP90_C", "Item_Weapon_P90_C", classSMG, 35, 2, "Item_Ammo_57mm_C", nil},
	{"WeapSaiga12_C", "Item_Weapon_Saiga12_C", classShotgun, 62, 5, "Item_Ammo_12Guage_C", attachSG},
	{"WeapBerreta686_C", "Item_Weapon_Berreta686_C", classShotgun, 70, 5, "Item_Ammo_12Guage_C", attachSG},
	{"WeapWinchester_C", "Item_Weapon_Winchester_C", classShotgun, 70, 4, "Item_Ammo_12Guage_C", attachSG},
	{"WeapDP12_C", "Item_Weapon_DP12_C", classShotgun, 66, 3, "Item_Ammo_12Guage_C", attachSG},
	{"WeapM249_C", "Item_Weapon_M249_C", classLMG, 40, 2, "Item_Ammo_556mm_C", attachAR},
	{"WeapDP28_C", "Item_Weapon_DP28_C", classLMG, 51, 4, "Item_Ammo_762mm_C", attachAR},
	{"WeapM9_C", "Item_Weapon_M9_C", classPistol, 35, 6, "Item_Ammo_9mm_C", attachSMG},
	{"WeapM1911_C", "Item_Weapon_M1911_C", classPistol, 41, 5, "Item_Ammo_45ACP_C", attachSMG},
	{"WeapG18_C", "Item_Weapon_G18_C", classPistol, 23, 4, "Item_Ammo_9mm_C", attachSMG},
	{"WeapNagantM1895_C", "Item_Weapon_NagantM1895_C", classPistol, 55, 3, "Item_Ammo_762mm_C", nil},
	{"WeapDesertEagle_C", "Item_Weapon_DesertEagle_C", classPistol, 62, 2, "Item_Ammo_45ACP_C", attachSMG},
	{"Weapvz61Skorpion_C", "Item_Weapon_vz61Skorpion_C", classPistol, 22, 2, "Item_Ammo_9mm_C", attachSMG},
	{"WeapPan_C", "Item_Weapon_Pan_C", classMelee, 80, 3, "", nil},
	{"WeapMachete_C", "Item_Weapon_Machete_C", classMelee, 60, 2, "", nil},
	{"WeapCowbar_C", "Item_Weapon_Cowbar_C", classMelee, 60, 2, "", nil},
	{"WeapSickle_C", "Item_Weapon_Sickle_C", classMelee, 60, 1, "", nil},
}

// fists are what a player holds before looting a weapon.
var fistsMale = weapon{causer: "PlayerMale_A_C", class: classFists, damage: 14}
var fistsFemale = weapon{causer: "PlayerFemale_A_C", class: classFists, damage: 14}

// engageRange is the distance (cm) at which a class is used to open a fight.
func (c weaponClass) engageRange() float64 {
	switch c {
	case classAR, classLMG:
		return 25000
	case classDMR:
		return 42000
	case classSR:
		return 52000
	case classSMG:
		return 12000
	case classShotgun:
		return 4500
	case classPistol:
		return 5000
	case classMelee:
		return 400
	default:
		return 300
	}
}

// subCategory is the Item.subCategory of a weapon.
func (c weaponClass) subCategory() string {
	switch c {
	case classPistol:
		return "Handgun"
	case classMelee:
		return "Melee"
	default:
		return "Main"
	}
}

// throwable kinds, in the order of player.throws.
const (
	thGrenade = iota
	thSmoke
	thFlash
	thMolotov
	thSnowball
	thApple
	numThrowables
)

var throwItems = [numThrowables]string{
	"Item_Weapon_Grenade_C", "Item_Weapon_SmokeBomb_C", "Item_Weapon_FlashBang_C",
	"Item_Weapon_Molotov_C", "Item_Weapon_Snowball_C", "Item_Weapon_Apple_C",
}

// heals and boosts, in the order of player.heals / player.boosts.
const (
	healBandage = iota
	healFirstAid
	healMedKit
)

var healItems = [3]string{"Item_Heal_Bandage_C", "Item_Heal_FirstAid_C", "Item_Heal_MedKit_C"}

const (
	boostEnergy = iota
	boostPainKiller
	boostAdrenaline
)

var boostItems = [3]string{"Item_Boost_EnergyDrink_C", "Item_Boost_PainKiller_C", "Item_Boost_AdrenalineSyringe_C"}
var boostAmount = [3]float64{40, 60, 100}

// equipment looted early in the match: item id, category, subCategory.
type gear struct{ id, category, sub string }

var (
	helmets   = []gear{{"Item_Head_E_01_Lv1_C", "Equipment", "Headgear"}, {"Item_Head_F_01_Lv2_C", "Equipment", "Headgear"}, {"Item_Head_F_02_Lv2_C", "Equipment", "Headgear"}, {"Item_Head_G_01_Lv3_C", "Equipment", "Headgear"}}
	vests     = []gear{{"Item_Armor_E_01_Lv1_C", "Equipment", "Vest"}, {"Item_Armor_D_01_Lv2_C", "Equipment", "Vest"}, {"Item_Armor_C_01_Lv3_C", "Equipment", "Vest"}}
	backpacks = []gear{{"Item_Back_E_01_Lv1_C", "Equipment", "Backpack"}, {"Item_Back_F_01_Lv2_C", "Equipment", "Backpack"}, {"Item_Back_F_02_Lv2_C", "Equipment", "Backpack"}, {"Item_Back_C_01_Lv3_C", "Equipment", "Backpack"}}
	misc      = []gear{{"Item_Ghillie_01_C", "Equipment", "None"}, {"Item_JerryCan_C", "Use", "Fuel"}, {"Item_EmergencyPickup_C", "Use", "None"}}
)

// helmet/vest level → fraction of damage that gets through.
var armorFactor = [4]float64{1, 0.7, 0.6, 0.45}

// item-package ids of care packages.
var carePackages = []string{"Carapackage_RedBox_C", "Carapackage_FlareGun_C"}
var carePackageLoot = []string{"Item_Weapon_AWM_C", "Item_Weapon_Groza_C", "Item_Weapon_Mk14_C", "Item_Weapon_M249_C",
	"Item_Armor_C_01_Lv3_C", "Item_Head_G_01_Lv3_C", "Item_Ghillie_02_C", "Item_Heal_MedKit_C", "Item_Ammo_300Magnum_C"}

// name parts for generated player names.
var namePrefixes = []string{"Dark", "Sn1per", "xX", "Pro", "Lil", "Big", "Mr", "Sir", "Capt", "Shadow", "Ghost", "Wolf",
	"Panda", "Toxic", "Silent", "Lucky", "Crazy", "Frosty", "Rusty", "Chicken", "Kimchi", "Baguette", "Vodka", "Turbo",
	"Neon", "Sgt", "Dr", "Mad", "Swift", "Tactical", "Sneaky", "Angry"}
var nameCores = []string{"Killer", "Hunter", "Rider", "Gamer", "Boss", "Fox", "Tiger", "Dinner", "Shot", "Ninja", "Viper",
	"Hawk", "Raven", "Storm", "Blade", "Bear", "Duck", "Potato", "Camper", "Pan", "Medic", "Scope", "Bullet", "Wookie",
	"Goose", "Falcon", "Noob", "Legend", "Pilot", "Sloth"}
var nameSuffixes = []string{"", "", "", "_TTV", "_YT", "xX", "-", "_", "_pubg", "_kr", "_ru", "99", "007", "1337", "42", "_BR"}
