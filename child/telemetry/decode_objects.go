package telemetry

// actor decodes a Character-valued field. The reference reads these as
// `event.get(k) or {}`: a falsy value (null, {}, [], "", 0, false) is an
// absent actor; a truthy non-object is absent too but flagged in Event.Bad
// (see alwaysRead for the ones that fail the match at once).
func (d *decoder) actor(f field, dst **Character) error {
	s := d.s
	*dst = nil
	d.bad &^= bit(f)
	d.badLoc &^= bit(f)
	if obj, truthy, err := s.objectAhead(1); !obj {
		if truthy {
			d.bad |= bit(f)
		}
		return err
	}
	ch := d.newChar()
	keys := 0
	name := fieldNames[f]
	err := d.object(func(key []byte) error {
		keys++
		switch string(key) {
		case "name":
			b, ok, err := d.strNamed(name, "name")
			if ok {
				ch.Name, ch.Has = d.b.in.str(b), ch.Has|CharHasName
			} else {
				ch.Name, ch.Has = "", ch.Has&^CharHasName
			}
			return err
		case "accountId":
			b, ok, err := d.strNamed(name, "accountId")
			if ok {
				ch.AccountID, ch.Has = d.b.in.str(b), ch.Has|CharHasAccountID
			} else {
				ch.AccountID, ch.Has = "", ch.Has&^CharHasAccountID
			}
			return err
		case "teamId":
			n, ok, err := d.num(name, "teamId")
			var v int64
			if ok {
				if v, ok = toInt(n); !ok || v != int64(int(v)) {
					ok = false
					d.mismatch(name, "teamId")
				}
			}
			if ok {
				ch.TeamID, ch.Has = int(v), ch.Has|CharHasTeamID
			} else {
				ch.TeamID, ch.Has = 0, ch.Has&^CharHasTeamID
			}
			return err
		case "health":
			n, ok, err := d.num(name, "health")
			if ok {
				ch.Health, ch.Has = n.f, ch.Has|CharHasHealth
			} else {
				ch.Health, ch.Has = 0, ch.Has&^CharHasHealth
			}
			return err
		case "location":
			return d.location(f, ch)
		case "zone":
			z, err := d.strArray(name, "zone")
			ch.Zone = z
			if z != nil {
				ch.Has |= CharHasZone
			} else {
				ch.Has &^= CharHasZone
			}
			return err
		case "isInBlueZone":
			var h Has
			return d.boolField(name, "isInBlueZone", &ch.IsInBlueZone, &h, 1)
		case "isInRedZone":
			var h Has
			return d.boolField(name, "isInRedZone", &ch.IsInRedZone, &h, 1)
		case "isInVehicle":
			var h Has
			return d.boolField(name, "isInVehicle", &ch.IsInVehicle, &h, 1)
		}
		_, _, err := s.skipValue(2)
		return err
	})
	if err != nil {
		return err
	}
	if keys > 0 {
		*dst = ch
	}
	return nil
}

// location decodes character.location. A non-empty object sets
// CharHasLocation (the reference tests the dict's truthiness).
func (d *decoder) location(f field, ch *Character) error {
	s := d.s
	ch.Has &^= CharHasLocation | CharHasX | CharHasY | CharHasZ
	ch.Location = Vec3{}
	d.badLoc &^= bit(f)
	if obj, truthy, err := s.objectAhead(2); !obj {
		if truthy {
			d.badLoc |= bit(f)
		}
		return err
	}
	if v, ok := s.xyzAhead(); ok {
		ch.Location, ch.Has = v, ch.Has|CharHasLocation|CharHasX|CharHasY|CharHasZ
		return nil
	}
	name := fieldNames[f]
	keys := 0
	err := d.object(func(key []byte) error {
		keys++
		var dst *float64
		var h CharHas
		switch string(key) {
		case "x":
			dst, h = &ch.Location.X, CharHasX
		case "y":
			dst, h = &ch.Location.Y, CharHasY
		case "z":
			dst, h = &ch.Location.Z, CharHasZ
		default:
			_, _, err := s.skipValue(3)
			return err
		}
		n, ok, err := d.num(name, "location")
		if ok {
			*dst, ch.Has = n.f, ch.Has|h
		} else {
			*dst, ch.Has = 0, ch.Has&^h
		}
		return err
	})
	if keys > 0 {
		ch.Has |= CharHasLocation
	}
	return err
}

// damageInfo decodes a DamageInfo object. The reference never reads these
// keys by their real names, so a wrong type here is only a mismatch.
func (d *decoder) damageInfo(f field, dst **DamageInfo) error {
	s := d.s
	*dst = nil
	name := fieldNames[f]
	if obj, truthy, err := s.objectAhead(1); !obj {
		if err == nil && truthy {
			d.mismatch(name, "")
		}
		return err
	}
	di := d.newInfo()
	keys := 0
	err := d.object(func(key []byte) error {
		keys++
		var dst *string
		var h DamageInfoHas
		switch string(key) {
		case "damageReason":
			dst, h = &di.DamageReason, DIHasDamageReason
		case "damageTypeCategory":
			dst, h = &di.DamageTypeCategory, DIHasDamageTypeCategory
		case "damageCauserName":
			dst, h = &di.DamageCauserName, DIHasDamageCauserName
		case "distance":
			n, ok, err := d.num(name, "distance")
			if ok {
				di.Distance, di.Has = n.f, di.Has|DIHasDistance
			} else {
				di.Distance, di.Has = 0, di.Has&^DIHasDistance
			}
			return err
		default:
			_, _, err := s.skipValue(2)
			return err
		}
		b, ok, err := d.strNamed(name, "damageInfo")
		if ok {
			*dst, di.Has = d.b.in.str(b), di.Has|h
		} else {
			*dst, di.Has = "", di.Has&^h
		}
		return err
	})
	if err == nil && keys > 0 {
		*dst = di
	}
	return err
}

// itemObj decodes LogItemUse.item / LogPlayerAttack.weapon.
func (d *decoder) itemObj(f field, dst *itemVal) error {
	s := d.s
	*dst = itemVal{}
	d.bad &^= bit(f)
	if obj, truthy, err := s.objectAhead(1); !obj {
		if truthy {
			d.bad |= bit(f)
		}
		return err
	}
	dst.set = true
	name := fieldNames[f]
	return d.object(func(key []byte) error {
		var p *string
		switch string(key) {
		case "itemId":
			p = &dst.id
		case "subCategory":
			p = &dst.subCat
		default:
			_, _, err := s.skipValue(2)
			return err
		}
		b, ok, err := d.strNamed(name, "itemId")
		if ok {
			*p = d.b.in.str(b)
		} else {
			*p = ""
		}
		return err
	})
}

// gameState decodes LogGameStatePeriodic.gameState.
func (d *decoder) gameState() error {
	s := d.s
	ev := d.ev
	ev.GameState = GameState{}
	ev.Has &^= HasGameState | HasGameStateElapsedTime | HasSafetyZonePosition | HasSafetyZoneRadius
	d.bad &^= bit(fGameState)
	d.badSZP = false
	if obj, truthy, err := s.objectAhead(1); !obj {
		if truthy {
			d.bad |= bit(fGameState)
		}
		return err
	}
	ev.Has |= HasGameState
	return d.object(func(key []byte) error {
		switch string(key) {
		case "elapsedTime":
			n, ok, err := d.num("gameState", "elapsedTime")
			if ok {
				ev.GameState.ElapsedTime, ev.Has = n.f, ev.Has|HasGameStateElapsedTime
			}
			return err
		case "safetyZoneRadius":
			n, ok, err := d.num("gameState", "safetyZoneRadius")
			if ok {
				ev.GameState.SafetyZoneRadius, ev.Has = n.f, ev.Has|HasSafetyZoneRadius
			}
			return err
		case "safetyZonePosition":
			ev.GameState.SafetyZonePosition = Vec3{}
			ev.Has &^= HasSafetyZonePosition
			d.badSZP = false
			if obj, truthy, err := s.objectAhead(2); !obj {
				d.badSZP = truthy
				return err
			}
			ev.Has |= HasSafetyZonePosition
			return d.object(func(k []byte) error {
				var p *float64
				switch string(k) {
				case "x":
					p = &ev.GameState.SafetyZonePosition.X
				case "y":
					p = &ev.GameState.SafetyZonePosition.Y
				case "z":
					p = &ev.GameState.SafetyZonePosition.Z
				default:
					_, _, err := s.skipValue(3)
					return err
				}
				n, ok, err := d.num("gameState", "safetyZonePosition")
				if ok {
					*p = n.f
				}
				return err
			})
		}
		_, _, err := s.skipValue(2)
		return err
	})
}

// common reads common.isGame / common.is_game and applies the reference's
// `get_nested(e, "common.isGame") or get_nested(e, "common.is_game")`.
func (d *decoder) common() error {
	s := d.s
	c, err := s.peek()
	if err != nil {
		return err
	}
	ev := d.ev
	ev.Has &^= HasIsGame | HasIsGameInvalid
	ev.IsGame = 0
	if c != '{' {
		// get_nested returns None when common is not a dict.
		_, _, err := s.skipValue(1)
		return err
	}
	var isGame, isGameSnake pyVal
	err = d.object(func(key []byte) error {
		switch string(key) {
		case "isGame":
			v, err := d.pyValue()
			isGame = v
			return err
		case "is_game":
			v, err := d.pyValue()
			isGameSnake = v
			return err
		}
		_, _, err := s.skipValue(2)
		return err
	})
	if err != nil {
		return err
	}
	v := isGame
	if !v.truthy() {
		v = isGameSnake
	}
	switch v.kind {
	case vNull:
	case vNumber, vTrue, vFalse:
		ev.IsGame, ev.Has = v.f, ev.Has|HasIsGame
	default:
		ev.Has |= HasIsGameInvalid
	}
	return nil
}

// objectAhead peeks at a value where an object belongs. Anything else is
// skipped (depth as for skipValue); truthy is its Python truthiness, which
// decides whether the reference's `event.get(k) or {}` takes it as absent.
func (s *scanner) objectAhead(depth int) (obj, truthy bool, err error) {
	c, err := s.peek()
	if err != nil || c == '{' {
		return err == nil, false, err
	}
	_, truthy, err = s.skipValue(depth)
	return false, truthy, err
}

// object iterates the keys of an object value (the next token must be '{').
func (d *decoder) object(fn func(key []byte) error) error {
	s := d.s
	c, more, err := s.enter('}')
	for more && err == nil {
		if c != '"' {
			return s.syntax(s.pos, "expected object key, found %q", c)
		}
		raw, fast := s.keyAhead()
		if !fast {
			if raw, err = s.readString(); err != nil {
				return err
			}
		}
		// The key aliases the scan buffer, which the next read may move:
		// copy it out first. No key we look for is longer than keyBuf.
		key := d.keyBuf[:0]
		if len(raw) <= len(d.keyBuf) {
			key = append(key, raw...)
		} else {
			key = append(key, '\x00')
		}
		if !fast {
			if err := s.expect(':', "':'"); err != nil {
				return err
			}
		}
		if err := fn(key); err != nil {
			return err
		}
		c, more, err = s.next('}', -1)
	}
	return err
}
