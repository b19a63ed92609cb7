# Generates test/schools/cases-MA-2025-2026.json:  python3 test/schools/cases-MA-2025-2026.gen.py > test/schools/cases-MA-2025-2026.json
# Dates are computed with the CDSi calendar rule; every expected status is written by hand from the
# rules of the MA pack (the case name says which rule). The JSON is what the runner and tests read.
import json, datetime, calendar
def add(d, y=0, m=0, days=0):
    Y,M,D = map(int, d.split('-'))
    t = Y*12 + (M-1) + y*12 + m
    ny, nm = t//12, t%12+1
    if D <= calendar.monthrange(ny,nm)[1]: r = datetime.date(ny,nm,D)
    else: r = datetime.date(ny+1,1,1) if nm==12 else datetime.date(ny,nm+1,1)
    return (r + datetime.timedelta(days=days)).isoformat()
AS = '2025-10-01'
cases = []
def case(name, grade, dob, doses, expected, vaccines, asOf=AS, obs=None, ex=None, flags=None, forecast=None, earliest=None):
    c = {"name": name, "pack": "MA-2025-2026", "asOf": asOf, "student": {"dob": dob, "sex": "F" if len(cases)%2 else "M", "grade": grade}, "doses": [{"date": dt, "cvx": cvx} for dt, cvx in doses]}
    if flags: c["student"]["flags"] = flags
    c["observations"] = obs or []
    c["exemptions"] = ex or []
    if forecast is not None: c["forecast"] = forecast
    c["expected"] = {"status": expected, "vaccines": vaccines}
    if earliest: c["expected"]["earliestNextDose"] = earliest
    cases.append(c)
C, IP, EX, NC = "compliant", "in process", "exempt", "not compliant"

# ---------- Kindergarten through grade 6 ----------
K = '2020-03-15'
def hepb(dob): return [(dob,'08'), (add(dob,m=2),'08'), (add(dob,m=6),'08')]
def dtap5(dob): return [(add(dob,m=2),'20'),(add(dob,m=4),'20'),(add(dob,m=6),'20'),(add(dob,m=15),'20'),(add(dob,y=4,m=1),'20')]
def polio4(dob): return [(add(dob,m=2),'10'),(add(dob,m=4),'10'),(add(dob,m=6),'10'),(add(dob,y=4,m=1),'10')]
def mmr2(dob): return [(add(dob,m=12),'03'),(add(dob,y=4,m=1),'03')]
def var2(dob): return [(add(dob,m=12),'21'),(add(dob,y=4,m=1),'21')]
def k6(**o):
    v = {"HepB": C, "DTaP": C, "Polio": C, "MMR": C, "Varicella": C}; v.update(o); return v
def full(dob, skip=()):
    parts = {"hepb": hepb(dob), "dtap": dtap5(dob), "polio": polio4(dob), "mmr": mmr2(dob), "var": var2(dob)}
    return [d for k, v in parts.items() if k not in skip for d in v]
def overall(v):
    for s in (NC, EX, IP, C):
        if s in v.values(): return s
    return C
base = [d for d in full(K, skip=("dtap",))]
case("K: every requirement met", "K", K, full(K), C, k6())
case("K: DTaP 4 doses, 4th on the 4th birthday", "K", K, base + dtap5(K)[:3] + [(add(K,y=4),'20')], C, k6())
case("K: DTaP 4 doses, 4th the day before the 4th birthday (grace)", "K", K, base + dtap5(K)[:3] + [(add(K,y=4,days=-1),'20')], C, k6())
case("K: DTaP 4 doses, 4th 4 days before the 4th birthday (grace edge)", "K", K, base + dtap5(K)[:3] + [(add(K,y=4,days=-4),'20')], C, k6())
case("K: DTaP 4 doses, 4th 5 days before the 4th birthday (outside grace)", "K", K, base + dtap5(K)[:3] + [(add(K,y=4,days=-5),'20')], NC, k6(DTaP=NC))
case("K: DTaP 4 doses all before the 4th birthday", "K", K, base + dtap5(K)[:4], NC, k6(DTaP=NC))
case("K: DTaP 4 doses before 4y, CDSi forecast says next dose not yet due -> in process", "K", K, base + dtap5(K)[:4], IP, k6(DTaP=IP),
     forecast={"Diphtheria": {"earliest": add(AS, days=20), "pastDue": add(AS, m=3)}}, earliest={"DTaP": add(AS, days=20)})
case("K: DTaP 5 doses, one dose not valid under CDSi", "K", K, base, NC, k6(DTaP=NC))
cases[-1]["doses"] += [{"date": dt, "cvx": cvx, **({"validFor": {"Diphtheria": False, "Tetanus": False}} if i == 4 else {})} for i, (dt, cvx) in enumerate(dtap5(K))]
case("K: DT x5 without a contraindication letter does not count", "K", K, base + [(dt,'28') for dt,_ in dtap5(K)], NC, k6(DTaP=NC))
case("K: DT x5 with a medical exemption for DTaP counts", "K", K, base + [(dt,'28') for dt,_ in dtap5(K)], C, k6(), ex=[{"type": "medical", "vaccine": "DTaP", "date": "2025-08-15"}])
case("K: DT x5 with a documented pertussis contraindication (observation 086)", "K", K, base + [(dt,'28') for dt,_ in dtap5(K)], C, k6(), obs=[{"code": "086", "date": add(K,m=3)}])
case("K: a second DTaP on the same day counts once", "K", K, base + dtap5(K)[:3] + [(dtap5(K)[2][0],'20'), (add(K,y=3),'20')], NC, k6(DTaP=NC))
G2 = '2017-05-01'
case("Grade 2: catch-up from age 7 with Td (1 DTaP at 2y, Td at 7y1m and Tdap at 7y7m)", "2", G2, full(G2, skip=("dtap",)) + [(add(G2,y=2),'20'),(add(G2,y=7,m=1),'09'),(add(G2,y=7,m=7),'115')], C, k6(), asOf='2025-10-01')
case("Grade 2: Td given before age 7 does not count toward the catch-up", "2", G2, full(G2, skip=("dtap",)) + [(add(G2,y=2),'20'),(add(G2,y=6,m=6),'09'),(add(G2,y=7,m=3),'115')], NC, k6(DTaP=NC))
# CDSi takes Td only from age 7 (a vaccine's begin age has no grace period): the pack's grace cannot make it count.
case("Grade 2: Td 4 days before the 7th birthday does not count (not valid under CDSi)", "2", G2, full(G2, skip=("dtap",)) + [(add(G2,y=2),'20'),(add(G2,y=7,days=-4),'09'),(add(G2,y=7,m=6),'115')], NC, k6(DTaP=NC))
G1 = '2019-01-10'
case("Grade 1 age 6: 3 DTaP doses after the 4th birthday is not the catch-up path (under 7)", "1", G1, full(G1, skip=("dtap",)) + [(add(G1,y=4,m=1),'20'),(add(G1,y=4,m=3),'20'),(add(G1,y=5),'20')], NC, k6(DTaP=NC))
case("K: Kinrix (DTaP-IPV) as the 5th DTaP and 4th polio dose counts for both", "K", K, full(K, skip=("dtap","polio")) + dtap5(K)[:4] + polio4(K)[:3] + [(add(K,y=4,m=1),'130')], C, k6())
case("K: Quadracel before the 4th birthday counts for neither 4-dose rule", "K", K, full(K, skip=("dtap","polio")) + dtap5(K)[:3] + polio4(K)[:3] + [(add(K,y=3,m=6),'130')], NC, k6(DTaP=NC, Polio=NC))
# Hepatitis B
case("K: hepatitis B 2 doses only", "K", K, full(K, skip=("hepb",)) + hepb(K)[:2], NC, k6(HepB=NC))
case("K: hepatitis B no doses, laboratory evidence of immunity", "K", K, full(K, skip=("hepb",)), C, k6(), obs=[{"code": "019", "date": "2024-01-01"}])
case("K: hepatitis B via combination vaccine (Pediarix)", "K", K, full(K, skip=("hepb",)) + [(add(K,m=2),'110'),(add(K,m=4),'110'),(add(K,m=6),'110')], C, k6())
# Polio
P3 = polio4(K)[:3]
case("K: polio 4th dose on the 4th birthday, 6+ months after the 3rd", "K", K, full(K, skip=("polio",)) + P3 + [(add(K,y=4),'10')], C, k6())
case("K: polio 4th dose 4 days before the 4th birthday (grace)", "K", K, full(K, skip=("polio",)) + P3 + [(add(K,y=4,days=-4),'10')], C, k6())
case("K: polio 4th dose 5 days before the 4th birthday needs a 5th", "K", K, full(K, skip=("polio",)) + P3 + [(add(K,y=4,days=-5),'10')], NC, k6(Polio=NC))
case("K: polio 5 doses, 4th before 4y and 5th after", "K", K, full(K, skip=("polio",)) + P3 + [(add(K,m=18),'10'), (add(K,y=4,m=1),'10')], C, k6())
case("K: polio 5th dose only 3 months after the 4th", "K", K, full(K, skip=("polio",)) + P3 + [(add(K,y=3,m=11),'10'), (add(K,y=4,m=2),'10')], NC, k6(Polio=NC))
case("K: polio 3 doses, 3rd after 4y and 6+ months after the 2nd", "K", K, full(K, skip=("polio",)) + [(add(K,m=2),'10'),(add(K,m=4),'10'),(add(K,y=4,m=2),'10')], C, k6())
case("K: polio 3rd dose after 4y but only 2 months after the 2nd, given recently -> in process", "K", K,
     full(K, skip=("polio",)) + [(add(K,y=5,m=1),'10'),(add(K,y=5,m=3),'10'),(add(K,y=5,m=5),'10')], IP, k6(Polio=IP), asOf=add(K,y=5,m=6), earliest={"Polio": add(K,y=5,m=11)})
case("K: polio 4th dose 6 months less 4 days after the 3rd (grace on interval)", "K", K, full(K, skip=("polio",)) + [(add(K,m=2),'10'),(add(K,m=4),'10'),(add(K,y=3,m=10),'10'),(add(add(K,y=3,m=10),m=6,days=-4),'10')], C, k6())
case("K: polio 4th dose 6 months less 5 days after the 3rd", "K", K, full(K, skip=("polio",)) + [(add(K,m=2),'10'),(add(K,m=4),'10'),(add(K,y=3,m=10),'10'),(add(add(K,y=3,m=10),m=6,days=-5),'10')], NC, k6(Polio=NC))
# MMR
M1 = lambda d: full(K, skip=("mmr","var")) + [(add(K,y=1,m=2),'21'),(add(K,y=4,m=3),'21')] + d
case("K: MMR 1st dose on the 1st birthday", "K", K, M1([(add(K,y=1),'03'),(add(K,y=4),'03')]), C, k6())
case("K: MMR 1st dose 4 days before the 1st birthday (grace)", "K", K, M1([(add(K,y=1,days=-4),'03'),(add(K,y=4),'03')]), C, k6())
case("K: MMR 1st dose the day before the 1st birthday (grace)", "K", K, M1([(add(K,y=1,days=-1),'03'),(add(K,y=4),'03')]), C, k6())
case("K: MMR 1st dose 5 days before the 1st birthday does not count", "K", K, M1([(add(K,y=1,days=-5),'03'),(add(K,y=4),'03')]), NC, k6(MMR=NC))
case("K: MMR 2nd dose 24 days after the 1st (28 days less grace)", "K", K, M1([(add(K,y=4),'03'),(add(K,y=4,days=24),'03')]), C, k6())
case("K: MMR 2nd dose 23 days after the 1st does not count", "K", K, M1([(add(K,y=4),'03'),(add(K,y=4,days=23),'03')]), NC, k6(MMR=NC))
case("K: MMR 1 dose 10 days ago -> in process, 2nd due 28 days after", "K", K, M1([(add(AS,days=-10),'03')]), IP, k6(MMR=IP), earliest={"MMR": add(AS,days=18)})
case("K: MMR 1 dose 2 years ago -> not compliant", "K", K, M1([(add(K,y=3),'03')]), NC, k6(MMR=NC), earliest={"MMR": AS})
case("K: MMR via MMRV (also varicella)", "K", K, full(K, skip=("mmr","var")) + [(add(K,y=1),'94'),(add(K,y=4),'94')], C, k6())
case("K: MMR laboratory evidence of measles, mumps and rubella", "K", K, M1([]), C, k6(), obs=[{"code": "020"}, {"code": "021"}, {"code": "022"}])
case("K: MMR laboratory evidence of measles and rubella only", "K", K, M1([]), NC, k6(MMR=NC), obs=[{"code": "020"}, {"code": "022"}])
LD = '2020-02-29'
case("K, born on Feb 29: 1st birthday is Mar 1 in a common year; MMR 4 days before it counts", "K", LD, full(LD, skip=("mmr","var")) + [(add(LD,y=1,m=2),'21'),(add(LD,y=4,m=3),'21'),('2021-02-25','03'),(add(LD,y=4,m=1),'03')], C, k6())
case("K, born on Feb 29: MMR 5 days before the Mar 1 birthday does not count", "K", LD, full(LD, skip=("mmr","var")) + [(add(LD,y=1,m=2),'21'),(add(LD,y=4,m=3),'21'),('2021-02-24','03'),(add(LD,y=4,m=1),'03')], NC, k6(MMR=NC))
case("K, born on Feb 29: DTaP 4th dose on 2024-02-29 (4th birthday, a leap year)", "K", LD, full(LD, skip=("dtap",)) + dtap5(LD)[:3] + [('2024-02-29','20')], C, k6())
case("K, born on Feb 29: DTaP 4th dose 2024-02-24 (5 days early)", "K", LD, full(LD, skip=("dtap",)) + dtap5(LD)[:3] + [('2024-02-24','20')], NC, k6(DTaP=NC))
# Varicella
V1 = lambda d: full(K, skip=("var",)) + d
case("K: varicella 1 dose, no history", "K", K, V1([(add(K,y=1),'21')]), NC, k6(Varicella=NC))
case("K: varicella reliable history of chickenpox", "K", K, V1([]), C, k6(), obs=[{"code": "024", "date": "2022-06-01"}])
case("K: varicella laboratory evidence", "K", K, V1([(add(K,y=1),'21')]), C, k6(), obs=[{"code": "023"}])
case("K: varicella herpes zoster history (025) is not accepted", "K", K, V1([]), NC, k6(Varicella=NC), obs=[{"code": "025"}])
# Exemptions
case("K: religious exemption this school year, no doses", "K", K, [], EX, {k: EX for k in k6()}, ex=[{"type": "religious", "date": "2025-08-20"}])
case("K: religious exemption from last school year has lapsed", "K", K, [], NC, {k: NC for k in k6()}, ex=[{"type": "religious", "date": "2024-08-20"}])
case("K: religious exemption cannot be permanent", "K", K, [], NC, {k: NC for k in k6()}, ex=[{"type": "religious", "permanent": True, "date": "2023-08-20"}])
case("K: medical exemption for MMR only, rest complete", "K", K, M1([]), EX, k6(MMR=EX), ex=[{"type": "medical", "vaccine": "MMR", "date": "2025-09-01"}])
case("K: medical exemption for MMR, MMR complete anyway -> compliant", "K", K, full(K), C, k6(), ex=[{"type": "medical", "vaccine": "MMR", "date": "2025-09-01"}])
case("K: medical exemption for MMR expired", "K", K, M1([]), NC, k6(MMR=NC), ex=[{"type": "medical", "vaccine": "MMR", "date": "2025-01-05", "expires": "2025-09-30"}])
case("K: medical exemption for MMR expiring on the as-of date is still in effect", "K", K, M1([]), EX, k6(MMR=EX), ex=[{"type": "medical", "vaccine": "MMR", "date": "2025-01-05", "expires": AS}])
case("K: permanent medical exemption for varicella signed years ago", "K", K, V1([]), EX, k6(Varicella=EX), ex=[{"type": "medical", "vaccine": "Varicella", "date": "2022-03-01", "permanent": True}])
case("K: medical exemption for MMR does not cover varicella", "K", K, full(K, skip=("mmr","var")), NC, k6(MMR=EX, Varicella=NC), ex=[{"type": "medical", "vaccine": "MMR", "date": "2025-09-01"}])
case("K: exempt and in process -> exempt overall", "K", K, full(K, skip=("mmr","var")) + [(add(AS,days=-10),'21')], EX, k6(MMR=EX, Varicella=IP), ex=[{"type": "medical", "vaccine": "MMR", "date": "2025-09-01"}])

case("K: laboratory evidence dated after the as-of date is not yet evidence", "K", K, full(K, skip=("hepb",)), NC, k6(HepB=NC), obs=[{"code": "019", "date": add(AS, days=1)}])
case("K: a religious statement signed after the as-of date is not yet in effect", "K", K, [], NC, {k: NC for k in k6()}, ex=[{"type": "religious", "date": add(AS, days=1)}])
case("K: a dose recorded after the as-of date does not count", "K", K, M1([(add(K,y=1),'03'), (add(AS,days=3),'03')]), NC, k6(MMR=NC))
# ---------- Child care and preschool ----------
U2 = '2024-06-01'
ccu2 = {"HepB": C, "DTaP": C, "Polio": C, "Hib": C, "MMR": C, "Varicella": C}
case("Child care, 16 months, no forecast: age-appropriate", "CC", U2, [(U2,'08'),(add(U2,m=2),'120'),(add(U2,m=4),'120')], C, ccu2, forecast={})
case("Child care, 16 months, DTaP dose past due per forecast", "CC", U2, [(U2,'08'),(add(U2,m=2),'120'),(add(U2,m=4),'120')], NC, dict(ccu2, DTaP=NC),
     forecast={"Diphtheria": {"earliest": add(U2,m=6), "pastDue": add(U2,m=7)}, "Measles": {"earliest": add(U2,m=12), "pastDue": add(U2,m=18)}})
case("Child care, 16 months, next doses not yet past due", "CC", U2, [(U2,'08'),(add(U2,m=2),'120'),(add(U2,m=4),'120'),(add(U2,m=6),'120'),(add(U2,m=12),'94')], C, ccu2,
     forecast={"Diphtheria": {"earliest": add(U2,m=15), "pastDue": add(U2,m=20)}, "Measles": {"earliest": add(U2,y=4), "pastDue": add(U2,y=7)}})
T2 = '2023-10-01'
case("Child care, the day before the 2nd birthday: still age-appropriate rules (no forecast supplied)", "CC", T2, [], C, ccu2, asOf=add(T2,y=2,days=-1), forecast={})
cc2 = {"HepB": NC, "DTaP": NC, "Polio": NC, "Hib": NC, "MMR": NC, "Varicella": NC}
case("Child care, on the 2nd birthday: the 2-year requirements apply", "CC", T2, [], NC, cc2, asOf=add(T2,y=2))
P = '2022-05-10'
def cc(dob, hib=None, skip=()):
    parts = {"hepb": hepb(dob), "dtap": dtap5(dob)[:4], "polio": polio4(dob)[:3], "hib": hib if hib is not None else [(add(dob,m=2),'48'),(add(dob,m=4),'48'),(add(dob,m=6),'48'),(add(dob,m=15),'48')], "mmr": [(add(dob,y=1),'03')], "var": [(add(dob,y=1),'21')]}
    return [d for k, v in parts.items() if k not in skip for d in v]
ccv = {"HepB": C, "DTaP": C, "Polio": C, "Hib": C, "MMR": C, "Varicella": C}
case("Preschool, 3 years: every requirement met", "PK", P, cc(P), C, ccv)
case("Preschool: DTaP 3 doses only", "PK", P, cc(P, skip=("dtap",)) + dtap5(P)[:3], NC, dict(ccv, DTaP=NC))
case("Preschool: Hib 1 dose at 15 months", "PK", P, cc(P, hib=[(add(P,m=15),'48')]), C, ccv)
case("Preschool: Hib 1 dose at 14 months only", "PK", P, cc(P, hib=[(add(P,m=14),'48')]), NC, dict(ccv, Hib=NC))
case("Preschool: Hib 2 doses after 12 months, 8 weeks apart", "PK", P, cc(P, hib=[(add(P,m=12),'48'),(add(P,m=14),'48')]), C, ccv)
case("Preschool: Hib 3 doses of PRP-OMP, the last at 12 months", "PK", P, cc(P, hib=[(add(P,m=2),'49'),(add(P,m=4),'49'),(add(P,m=12),'49')]), C, ccv)
case("Preschool: Hib 3 doses of PRP-T is not enough", "PK", P, cc(P, hib=[(add(P,m=2),'48'),(add(P,m=4),'48'),(add(P,m=12),'48')]), NC, dict(ccv, Hib=NC))
F5 = '2020-10-05'
case("Preschool, the day before the 5th birthday: Hib still required", "PK", F5, cc(F5, hib=[]), NC, dict(ccv, Hib=NC), asOf=add(F5,y=5,days=-1))
case("Preschool, on the 5th birthday: Hib no longer required", "PK", F5, cc(F5, hib=[]), C, {k: v for k, v in ccv.items() if k != "Hib"}, asOf=add(F5,y=5))
case("Preschool: MMR before the 1st birthday (outside grace) does not count", "PK", P, cc(P, skip=("mmr",)) + [(add(P,m=11),'03')], NC, dict(ccv, MMR=NC))
case("Preschool: varicella history instead of a dose", "PK", P, cc(P, skip=("var",)), C, ccv, obs=[{"code": "024"}])
case("Preschool: hepatitis B laboratory evidence", "PK", P, cc(P, skip=("hepb",)), C, ccv, obs=[{"code": "019"}])

# ---------- Grades 7 through 12 ----------
S7 = '2013-04-20'
def teen(dob, skip=(), extra=()):
    parts = {"hepb": hepb(dob), "dtap": dtap5(dob), "tdap": [(add(dob,y=11,m=1),'115')], "polio": polio4(dob), "mmr": mmr2(dob), "var": var2(dob), "men": [(add(dob,y=11,m=1),'114')]}
    return [d for k, v in parts.items() if k not in skip for d in v] + list(extra)
t7 = {"HepB": C, "Tdap": C, "Polio": C, "MMR": C, "Varicella": C, "MenACWY": C}
case("Grade 7: every requirement met", "7", S7, teen(S7), C, t7)
case("Grade 7: Tdap missing", "7", S7, teen(S7, skip=("tdap",)), NC, dict(t7, Tdap=NC))
case("Grade 7: Tdap on the 7th birthday counts (5th dose of a catch-up after 4 DTaP)", "7", S7, teen(S7, skip=("tdap","dtap"), extra=dtap5(S7)[:4] + [(add(S7,y=7),'115')]), C, t7)
case("Grade 7: Tdap 4 days before the 7th birthday counts (grace; 5th dose of a catch-up)", "7", S7, teen(S7, skip=("tdap","dtap"), extra=dtap5(S7)[:4] + [(add(S7,y=7,days=-4),'115')]), C, t7)
case("Grade 7: Tdap 5 days before the 7th birthday does not count", "7", S7, teen(S7, skip=("tdap",), extra=[(add(S7,y=7,days=-5),'115')]), NC, dict(t7, Tdap=NC))
case("Grade 7: Tdap but only 2 DTaP doses in infancy", "7", S7, teen(S7, skip=("dtap",)) + dtap5(S7)[:2], NC, dict(t7, Tdap=NC))
case("Grade 7: catch-up, 1 DTaP at 2y then Td and Tdap after 7", "7", S7, teen(S7, skip=("dtap","tdap"), extra=[(add(S7,y=2),'20'),(add(S7,y=8),'09'),(add(S7,y=8,m=6),'115')]), C, t7)
case("Grade 7: MenACWY on the 10th birthday", "7", S7, teen(S7, skip=("men",), extra=[(add(S7,y=10),'136')]), C, t7)
# CDSi's absolute minimum age for the adolescent MenACWY series is 10 years exactly: no grace period.
case("Grade 7: MenACWY 4 days before the 10th birthday does not count (not valid under CDSi)", "7", S7, teen(S7, skip=("men",), extra=[(add(S7,y=10,days=-4),'136')]), NC, dict(t7, MenACWY=NC))
case("Grade 7: MenACWY before the 10th birthday does not count", "7", S7, teen(S7, skip=("men",), extra=[(add(S7,y=9),'136')]), NC, dict(t7, MenACWY=NC))
case("Grade 7: HepB 2-dose adolescent Recombivax (ages 11-15)", "7", S7, teen(S7, skip=("hepb",), extra=[(add(S7,y=11),'43'),(add(S7,y=11,m=5),'43')]), C, t7)
case("Grade 7: Recombivax 2nd dose under 4 months after the 1st", "7", S7, teen(S7, skip=("hepb",), extra=[(add(S7,y=11),'43'),(add(S7,y=11,m=3),'43')]), NC, dict(t7, HepB=NC))
case("Grade 7: religious exemption, some doses", "7", S7, teen(S7, skip=("men","tdap")), EX, dict(t7, Tdap=EX, MenACWY=EX), ex=[{"type": "religious", "date": "2025-09-02"}])
case("Grade 7: a college meningococcal waiver is not accepted", "7", S7, teen(S7, skip=("men",)), NC, dict(t7, MenACWY=NC), ex=[{"type": "waiver", "vaccine": "MenACWY"}])
S11 = '2009-02-10'
t11 = dict(t7)
case("Grade 11: MenACWY at 11 and at 16", "11", S11, teen(S11, extra=[(add(S11,y=16,m=1),'136')]), C, t11)
case("Grade 11: MenACWY 1 dose at 11 only", "11", S11, teen(S11), NC, dict(t11, MenACWY=NC))
case("Grade 11: MenACWY 1 dose on the 16th birthday", "11", S11, teen(S11, skip=("men",), extra=[(add(S11,y=16),'203')]), C, t11)
case("Grade 11: MenACWY 1 dose the day before the 16th birthday (grace)", "11", S11, teen(S11, skip=("men",), extra=[(add(S11,y=16,days=-1),'203')]), C, t11)
case("Grade 11: MenACWY 1 dose 5 days before the 16th birthday", "11", S11, teen(S11, skip=("men",), extra=[(add(S11,y=16,days=-5),'203')]), NC, dict(t11, MenACWY=NC))
Y11 = '2010-06-01'
case("Grade 11, age 15: MenACWY at 11, booster not yet due -> in process", "11", Y11, teen(Y11), IP, dict(t11, MenACWY=IP), earliest={"MenACWY": add(Y11,y=16)})
S12 = '2007-03-01'
case("Grade 12, age 18: HepB 2 doses of Heplisav-B after 18", "12", S12, teen(S12, skip=("hepb",), extra=[(add(S12,y=16,m=2),'114'),(add(S12,y=18),'189'),(add(S12,y=18,m=1),'189')]), C, t11, asOf='2025-10-01')
case("Grade 12: Heplisav-B at 17 does not make a 2-dose series", "12", S12, teen(S12, skip=("hepb",), extra=[(add(S12,y=16,m=2),'114'),(add(S12,y=17,m=6),'189'),(add(S12,y=18,m=1),'189')]), NC, dict(t11, HepB=NC))
case("Grade 12: hepatitis B laboratory evidence", "12", S12, teen(S12, skip=("hepb",), extra=[(add(S12,y=16,m=2),'114')]), C, t11, obs=[{"code": "019"}])

case("Grade 9, age 14: 2 doses of Heplisav-B do not make a hepatitis B series", "9", '2011-05-05', teen('2011-05-05', skip=("hepb",), extra=[('2025-01-10','189'),('2025-02-10','189')]), NC, dict(t7, HepB=NC))
# ---------- College ----------
CO = '2005-08-01'
def college(dob, skip=(), extra=()):
    parts = {"hepb": hepb(dob), "tdap": [(add(dob,y=11,m=1),'115')], "mmr": mmr2(dob), "var": var2(dob), "men": [(add(dob,y=16,m=1),'114')]}
    return [d for k, v in parts.items() if k not in skip for d in v] + list(extra)
cv = {"HepB": C, "Tdap": C, "MMR": C, "Varicella": C, "MenACWY": C}
FT = {"fullTime": True, "bornInUS": True}
case("College: every requirement met", "college", CO, college(CO), C, cv, flags=FT)
case("College: MenACWY given before 16 only", "college", CO, college(CO, skip=("men",), extra=[(add(CO,y=11),'114')]), NC, dict(cv, MenACWY=NC), flags=FT)
case("College: signed meningococcal waiver", "college", CO, college(CO, skip=("men",)), EX, dict(cv, MenACWY=EX), flags=FT, ex=[{"type": "waiver", "vaccine": "MenACWY", "date": "2025-08-01"}])
case("College: part-time health-science student, MenACWY not required (not full-time)", "college", CO, college(CO, skip=("men",)), C, {k: v for k, v in cv.items() if k != "MenACWY"}, flags={"fullTime": False, "healthScience": True})
case("College: part-time student on a visa, no MMR", "college", CO, college(CO, skip=("men","mmr")), NC, {"HepB": C, "Tdap": C, "MMR": NC, "Varicella": C}, flags={"visa": True})
case("College: part-time student, not health-science, no visa: the college requirements do not apply", "college", CO, [], C, {}, flags={"fullTime": False})
O22 = '2003-10-01'
case("College: the day before the 22nd birthday MenACWY still required", "college", O22, college(O22, skip=("men",), extra=[(add(O22,y=20),'09')]), NC, dict(cv, MenACWY=NC), flags=FT, asOf=add(O22,y=22,days=-1))
case("College: on the 22nd birthday MenACWY no longer required", "college", O22, college(O22, skip=("men",), extra=[(add(O22,y=20),'09')]), C, {k: v for k, v in cv.items() if k != "MenACWY"}, flags=FT, asOf=add(O22,y=22))
OL = '2002-01-15'
case("College, 23: Tdap more than 10 years ago", "college", OL, college(OL, skip=("men",)), NC, {"HepB": C, "Tdap": NC, "MMR": C, "Varicella": C}, flags=FT)
case("College, 23: Tdap at 11 and a Td within 10 years", "college", OL, college(OL, skip=("men",), extra=[(add(OL,y=20),'09')]), C, {"HepB": C, "Tdap": C, "MMR": C, "Varicella": C}, flags=FT)
case("College: Td only, never Tdap", "college", CO, college(CO, skip=("tdap",), extra=[(add(CO,y=12),'09')]), NC, dict(cv, Tdap=NC), flags=FT)
case("College: Heplisav-B 2 doses at 19", "college", CO, college(CO, skip=("hepb",), extra=[(add(CO,y=19),'189'),(add(CO,y=19,m=1),'189')]), C, cv, flags=FT)
case("College: 1 Heplisav-B dose and 2 other hepatitis B doses make 3 doses", "college", CO, college(CO, skip=("hepb",), extra=[(add(CO,m=0),'08'),(add(CO,m=2),'08'),(add(CO,y=19),'189')]), C, cv, flags=FT)
B55 = '1955-05-05'
adult = lambda dob, skip=(), extra=(): college(dob, skip=("men",) + tuple(skip), extra=extra)
case("College: born in the U.S. in 1955, no MMR or varicella doses", "college", B55, adult(B55, skip=("mmr","var"), extra=[(add(AS,y=-1),"115")]), C, {"HepB": C, "Tdap": C, "MMR": C, "Varicella": C}, flags={"fullTime": True, "bornInUS": True})
case("College: born in the U.S. in 1955, health-science student needs MMR", "college", B55, adult(B55, skip=("mmr","var"), extra=[(add(AS,y=-1),'115')]), NC, {"HepB": C, "Tdap": C, "MMR": NC, "Varicella": NC}, flags={"fullTime": True, "bornInUS": True, "healthScience": True})
case("College: born abroad in 1955, no MMR", "college", B55, adult(B55, skip=("mmr","var"), extra=[(add(AS,y=-1),'115')]), NC, {"HepB": C, "Tdap": C, "MMR": NC, "Varicella": NC}, flags={"fullTime": True, "bornInUS": False})
B79 = '1979-12-31'; B80 = '1980-01-01'
case("College: born in the U.S. 1979-12-31, varicella accepted by birth year, MMR not", "college", B79, adult(B79, skip=("var",), extra=[(add(AS,y=-1),'115')]), C, {"HepB": C, "Tdap": C, "MMR": C, "Varicella": C}, flags={"fullTime": True, "bornInUS": True})
case("College: born in the U.S. 1980-01-01, varicella needs doses", "college", B80, adult(B80, skip=("var",), extra=[(add(AS,y=-1),'115')]), NC, {"HepB": C, "Tdap": C, "MMR": C, "Varicella": NC}, flags={"fullTime": True, "bornInUS": True})
case("College: MMR laboratory evidence for a health-science student", "college", CO, college(CO, skip=("mmr",)), C, cv, flags={"fullTime": True, "healthScience": True}, obs=[{"code": "020"}, {"code": "021"}, {"code": "022"}])

for c in cases:
    assert c["expected"]["status"] == overall(c["expected"]["vaccines"]), c["name"]
print(json.dumps(cases, indent=1))
