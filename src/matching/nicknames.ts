// Common English given names and their usual nicknames / short forms, written for this project from
// general knowledge (not copied from any published list). Each line is one group: the first entry is the
// formal name, the rest are names people go by. Two given names are "nickname agreement" when they share
// a group. Groups may overlap (e.g. Al is in Albert, Alfred and Alan): agreement means any shared group.
const GROUPS = `
abigail abby abbie gail
abraham abe bram
adam ad
adrian adrien
agatha aggie
agnes aggie nessa
albert al bert bertie
alexander alex alec alexa sandy xander lex
alexandra alex alexa sandra sandy lexi
alfred al alf alfie fred freddie
alice ally allie
alicia ally allie alisha
allison ally allie alli
alan al
amanda mandy manda amy
amelia amy millie mel
andrew andy drew
angela angie angel
anne ann annie nan nancy nannie hannah
anna annie ann
anthony tony ant
antonia toni tonya
archibald archie
arnold arnie
arthur art artie
augustine gus austin
augustus gus
barbara barb barbie babs
barnabas barney
bartholomew bart
beatrice bea trixie
benjamin ben benny benji
bernard bernie
bertram bert
beverly bev
bradley brad
brian bri
bridget biddy bridie
calvin cal
cameron cam
caroline carol carrie lina
carolyn carol carrie lyn
catherine cathy cat kate katie kathy cate
katherine kathy kate katie kat kitty kay
kathleen kathy kate katie kath
charles charlie chuck chas chaz chip
charlotte charlie lottie lotte
chester chet
christina chris christie tina
christine chris christie tina
christopher chris kit topher
clarence clare
clement clem
clifford cliff
cornelius neil connie
cynthia cindy
daniel dan danny
danielle dani
david dave davy
deborah deb debbie debby
delores dee lola
dennis denny
derek derrick
diana di
dolores dee lola
dominic dom
donald don donnie
dorothy dot dottie dora
douglas doug
edgar ed eddie
edmund ed eddie ned
edward ed eddie ted teddy ned
edwin ed eddie
eleanor ellie nell nellie ella elle nora
elizabeth liz lizzie beth betsy betty eliza libby lisa bess bessie ellie elsie liza
ellen ellie nell
emily em emmy millie
emma em emmy
eric rick ricky
ernest ernie
esther essie
eugene gene
evelyn evie eve
ezekiel zeke
florence flo flossie
frances fran fanny frankie francie
francesca fran frankie
francis frank frankie fran
franklin frank frankie
frederick fred freddie freddy rick
gabriel gabe
gabriella gabby ella
gabrielle gabby elle
geoffrey geoff jeff
gerald gerry jerry
geraldine gerry
gertrude gertie trudy
gilbert gil bert
gregory greg gregg
gwendolyn gwen wendy
harold harry hal
harriet hattie
harrison harry
henry hank harry hal
herbert herb bert
howard howie
hubert hugh bert
isaac ike
isabel izzy bella belle
isabella izzy bella belle
isadora izzy dora
jacob jake jack
jacqueline jackie jacqui
james jim jimmy jamie jem
jane janie jen jenny
janet jan jenny
jeffrey jeff
jennifer jen jenny jenn jenni
jeremiah jerry jeremy
jeremy jerry
jerome jerry
jessica jess jessie
joanna jo joanne
johanna jo hanna
john jack johnny jon
jonathan jon johnny nathan
joseph joe joey jo
josephine jo josie
joshua josh
judith judy jude
julia julie jules
julian jules
justin justy
kenneth ken kenny
kimberly kim kimmy
lawrence larry laurie
laura laurie lori
leonard len lenny leo
leopold leo
leslie les
lillian lily lil
louis lou louie
louise lou lulu
lucille lucy
lucinda lucy cindy
madeline maddie maddy madge
magdalena maggie lena
margaret maggie meg peggy marge margie greta rita daisy madge
marjorie marge margie
martha marty mattie patsy
martin marty
mary molly polly mae mamie
matilda tilly tillie mattie
matthew matt matty
maureen mo
maximilian max
maxwell max
melanie mel
melissa mel missy lisa
michael mike mikey mick mickey
michelle shelly micki
mildred millie
miriam mimi
mitchell mitch
montgomery monty
nathaniel nate nathan nat
nathan nate nat
nicholas nick nicky
nicole nicky nikki
norman norm
oliver ollie
olivia liv livvy ollie
pamela pam
patricia pat patty patsy tricia trish
patrick pat patty paddy rick
penelope penny
peter pete
philip phil pip
phillip phil
priscilla prissy cilla
rachel rae
raymond ray
rebecca becky becca
reginald reg reggie
richard rick ricky dick rich richie
robert bob bobby rob robbie bert
roberta bobbie robbie bert
rodney rod
roger rog
ronald ron ronnie
rosalind ros roz
rosemary rose rosie
rudolph rudy
russell russ
samantha sam sammy
samuel sam sammy
sandra sandy sandi
sarah sally sadie sara
sebastian seb
sharon shari
sheila she
stephanie steph stevie
stephen steve stevie
steven steve stevie
stuart stu
susan sue susie suzy
suzanne sue susie suzy
sylvester sly
sylvia syl
terence terry
theresa terry terri tess tessa tessie teresa
teresa terry terri tess tessa
theodore ted teddy theo
thomas tom tommy
timothy tim timmy
tobias toby
valerie val
vernon vern
veronica ronnie vera
victor vic
victoria vicky tori vic
vincent vince vinny
virginia ginny ginger
walter walt wally
wilfred fred will
william bill billy will willie liam
winifred winnie freda
zachary zach zack
elijah eli
eliza liza
ezra ez
frank frankie
gideon gid
harvey harv
irene rene
isaiah ike
jennifer jenna
josiah josh
kristen kris kristy
kristina kris tina krissy
leonora leo nora
lorraine lori
madison maddie maddy
mackenzie kenzie mack
marcus marc
mark marc
maximus max
mortimer mort morty
nancy nan
nora norah
phoebe phebe
ralph ralphie
randall randy
randolph randy dolph
ruth ruthie
sidney sid
solomon sol
spencer spence
sylvanus syl
tabitha tabby
tamara tammy
thaddeus thad tad
ulysses lys
wallace wally
wesley wes
winston win
yolanda yoli
alberta bertie
anastasia stacy ana
annabelle annie bella
antoinette toni netta
bernadette bernie
carlton carl
cassandra cassie sandra
cecilia cece celia
clarissa clare clara
constance connie
cordelia delia
cornelia nellie connie
daphne daph
delilah lila
dorothea dot dottie thea
edith edie
elaine lainie
eloise ellie
estelle stella
eugenia genie
evangeline eva evie
felicity flick
genevieve gen ginny
georgina georgie gina
georgia georgie gina
george georgie
gloria glory
henrietta etta hattie
hortense hortie
jacquelyn jackie
janice jan
jeanette jen jeannie
jessamine jess
joan joanie
juliana julie
kristopher kris chris
lenora nora
letitia letty tish
lorena lori
lucas luke
luke lucas
marian mary
marilyn mary lyn
matthias matt
meredith merry
mervin merv
millicent millie
nadine nadia
natalie nat talia
natasha tasha nat
octavia tavia
ophelia phelia
pauline polly
percival percy
prudence prue
raphael rafe
regina reggie gina
roland rollie
rosalyn roz
rupert rue
sabrina bree
salvatore sal
savannah savvy
seymour sy
sheldon shel
stanley stan
sylvie syl
temperance tempy
tyrone ty
ursula sula
vanessa nessa
wilhelmina mina willa
winthrop win
zebulon zeb
`;

const index = new Map<string, Set<number>>();
GROUPS.trim().split('\n').forEach((line, i) => {
  for (const name of line.trim().split(/\s+/)) {
    let set = index.get(name);
    if (!set) index.set(name, (set = new Set()));
    set.add(i);
  }
});

/** True when the two given names (any case) are a name and its nickname, or two nicknames of one name. */
export function areNicknames(a: string, b: string): boolean {
  const x = index.get(a.toLowerCase());
  const y = index.get(b.toLowerCase());
  if (!x || !y) return false;
  for (const g of x) if (y.has(g)) return true;
  return false;
}

export const nicknameGroupCount = GROUPS.trim().split('\n').length;
