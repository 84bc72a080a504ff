"""Phrase banks: categories, titles, companies, towns and description sentences.

Placeholders in sentences: {title}, {a_title} (with its article), {company}, {location}.
No sentence mentions money or dates, so that only the generated salary and
closing-date phrases can be found by extraction.
"""

from __future__ import annotations

# category -> (titles, duties, typical annual salary band in £k)
CATEGORIES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[int, int]]] = {
    "IT Jobs": (
        ("IT Project Manager – Infrastructure", "Software Developer (Python)",
         "Senior .NET Developer", "DevOps Engineer", "IT Support Analyst",
         "Data Engineer", "Front End Developer – React", "Network Engineer",
         "Cyber Security Analyst", "Business Analyst", "QA Test Engineer",
         "Solutions Architect", "Database Administrator (SQL Server)"),
        ("You will design, build and maintain services used by thousands of customers.",
         "Day to day you will triage incidents, own changes and keep the estate patched.",
         "You will work in an agile squad with product owners, testers & designers.",
         "You will automate deployments and improve monitoring across our platforms."),
        (28, 75),
    ),
    "Healthcare & Nursing Jobs": (
        ("Registered General Nurse (RGN)", "Staff Nurse – Night Shifts", "Healthcare Assistant",
         "Clinical Nurse Specialist", "Community Mental Health Nurse", "Care Home Manager",
         "Theatre Practitioner", "Senior Care Assistant", "Practice Nurse", "Physiotherapist"),
        ("You will deliver safe, compassionate care to residents with complex needs.",
         "You will assess, plan and evaluate care in partnership with patients & families.",
         "You will support the ward manager and mentor newly qualified colleagues.",
         "You will keep accurate records and administer medication in line with policy."),
        (21, 42),
    ),
    "Engineering Jobs": (
        ("Maintenance Engineer", "Mechanical Design Engineer", "Electrical Engineer",
         "Quality Engineer", "Process Engineer", "CNC Machinist", "Project Engineer",
         "Field Service Engineer", "Civil Engineer", "Controls & Automation Engineer"),
        ("You will carry out planned and reactive maintenance on production lines.",
         "You will produce 3D models and drawings using SolidWorks or Inventor.",
         "You will lead root cause investigations and drive continuous improvement.",
         "You will support installation and commissioning at customer sites."),
        (26, 55),
    ),
    "Accounting & Finance Jobs": (
        ("Management Accountant", "Accounts Payable Clerk", "Credit Controller",
         "Finance Manager", "Payroll Administrator", "Assistant Accountant (AAT)",
         "Financial Analyst", "Audit Senior", "Bookkeeper", "Tax Manager"),
        ("You will prepare month end journals, accruals and balance sheet reconciliations.",
         "You will process supplier invoices and resolve queries promptly.",
         "You will produce management accounts & variance analysis for the board.",
         "You will chase overdue accounts and maintain the sales ledger."),
        (22, 60),
    ),
    "Sales Jobs": (
        ("Sales Executive", "Business Development Manager", "Field Sales Representative",
         "Account Manager", "Telesales Advisor", "Sales & Marketing Executive",
         "Key Account Manager", "Area Sales Manager", "Internal Sales Coordinator",
         "New Business Consultant"),
        ("You will build a pipeline of new business across {location} and the region.",
         "You will manage a portfolio of existing accounts and grow their spend.",
         "You will run product demonstrations and negotiate contracts.",
         "You will hit weekly activity targets and keep the CRM up to date."),
        (20, 50),
    ),
    "Teaching Jobs": (
        ("Primary Teacher", "Secondary Maths Teacher", "Teaching Assistant",
         "SEN Teaching Assistant", "Head of Science", "English Teacher",
         "Early Years Practitioner", "Cover Supervisor", "Lecturer in Engineering",
         "Music Teacher"),
        ("You will plan and deliver engaging lessons across Key Stages 3 and 4.",
         "You will support pupils with special educational needs, one to one and in groups.",
         "You will contribute to the wider life of the school, including trips & clubs.",
         "You will track progress and share feedback with parents and carers."),
        (19, 45),
    ),
    "Hospitality & Catering Jobs": (
        ("Chef de Partie", "Sous Chef", "Head Chef", "Kitchen Porter", "Restaurant Manager",
         "Bar Supervisor", "Front of House Manager", "Barista – Café", "Hotel Receptionist",
         "Commis Chef", "Events Coordinator"),
        ("You will prepare fresh, seasonal dishes to a consistently high standard.",
         "You will lead the team on busy services and keep the kitchen spotless.",
         "You will welcome guests, take orders and make every visit memorable.",
         "You will manage stock, rotas and food safety records."),
        (18, 38),
    ),
    "Admin Jobs": (
        ("Office Administrator", "Receptionist", "Personal Assistant", "Data Entry Clerk",
         "Office Manager", "Administrative Assistant", "Executive Assistant",
         "Customer Service Administrator", "HR Administrator", "Team Secretary"),
        ("You will answer calls, greet visitors and manage the shared inbox.",
         "You will maintain diaries, arrange meetings and take minutes.",
         "You will keep records up to date and produce weekly reports.",
         "You will order supplies and support colleagues across the office."),
        (19, 35),
    ),
    "Social work Jobs": (
        ("Social Worker – Children's Services", "Senior Social Worker", "Support Worker",
         "Family Support Worker", "Residential Child Care Worker",
         "Approved Mental Health Professional", "Occupational Therapist", "Youth Worker",
         "Safeguarding Lead", "Adult Social Care Assessor"),
        ("You will hold a caseload and carry out assessments under the Care Act.",
         "You will build trusting relationships with young people and their families.",
         "You will work with health, police & education partners to keep people safe.",
         "You will write clear reports and attend multi-agency meetings."),
        (22, 45),
    ),
    "Logistics & Warehouse Jobs": (
        ("Warehouse Operative", "Forklift Driver", "HGV Class 1 Driver", "Transport Planner",
         "Warehouse Supervisor", "Multi Drop Delivery Driver", "Logistics Coordinator",
         "Stock Controller", "Shift Manager – Distribution Centre", "Picker Packer"),
        ("You will pick, pack and dispatch orders accurately against tight cut-offs.",
         "You will plan routes and allocate loads across a fleet of vehicles.",
         "You will carry out stock counts and investigate discrepancies.",
         "You will load and unload vehicles safely using counterbalance trucks."),
        (19, 40),
    ),
}

SENIORITY: tuple[str, ...] = ("Senior ", "Junior ", "Lead ", "Trainee ", "Graduate ")

# Employers that plausibly hire in each category; recruitment agencies advertise
# for every category.
COMPANIES: dict[str, tuple[str, ...]] = {
    "IT Jobs": ("Northgate Digital Ltd", "Kestrel Software", "Aldgate Analytics",
                "Zürich Insurance UK", "Lumen Energy"),
    "Healthcare & Nursing Jobs": ("Harrow & Vale Healthcare", "St. Mary's NHS Foundation Trust",
                                  "Fenwick Care Homes", "Riverside Community Care"),
    "Engineering Jobs": ("Pennine Engineering Group", "Hallam Precision Ltd", "Wessex Aerospace",
                         "Severn Trent Water", "Morgan Sindall"),
    "Accounting & Finance Jobs": ("Marlow & Finch LLP", "Bramley & Co Accountants",
                                  "Crédit Agricole CIB", "Zürich Insurance UK"),
    "Sales Jobs": ("Sainsbury's Argos", "Lumen Energy", "Kestrel Software", "Tyne Valley Foods"),
    "Teaching Jobs": ("Brightside Academy Trust", "Oakwood Primary School",
                      "Greenwich Council", "Castlegate College"),
    "Hospitality & Catering Jobs": ("Café Rouge", "The Crown & Anchor", "Pâtisserie Valerie",
                                    "Blackstone Hotels & Resorts", "Highland Distillers"),
    "Admin Jobs": ("Greenwich Council", "Atlas Facilities Management", "Marlow & Finch LLP",
                   "Castlegate Housing"),
    "Social work Jobs": ("Greenwich Council", "Castlegate Housing", "Riverside Community Care",
                         "Barnardo's"),
    "Logistics & Warehouse Jobs": ("Caledonian Logistics", "Mersey Freight Ltd",
                                   "Sainsbury's Argos", "Tyne Valley Foods"),
}
AGENCIES: tuple[str, ...] = ("Ridgeway Recruitment", "Hays & Partners Recruitment",
                             "Brook Street Staffing", "Pertemps Élan")

TOWNS: tuple[str, ...] = (
    "London", "Manchester", "Leeds", "Birmingham", "Bristol", "Glasgow", "Edinburgh",
    "Cardiff", "Belfast", "Newcastle upon Tyne", "Sheffield", "Nottingham", "Leicester",
    "Brighton", "Southampton", "Oxford", "Cambridge", "York", "Milton Keynes", "Reading",
    "Norwich", "Aberdeen", "Swansea", "Stoke-on-Trent", "Kingston upon Hull", "Exeter",
    "Bath", "Derby", "Plymouth", "Ipswich", "St Albans", "Bury St Edmunds",
)

INTROS: tuple[str, ...] = (
    "{company} is looking for {a_title} to join its growing team in {location}.",
    "An exciting opportunity has arisen for {a_title} with {company} in {location}.",
    "We are recruiting {a_title} on behalf of {company}, based in {location}.",
    "Are you an experienced {title}? Then {company} would love to hear from you.",
    "Join {company} as {a_title} and help us deliver outstanding service in {location}.",
)

ABOUT: tuple[str, ...] = (
    "We are a friendly, forward-thinking organisation with a strong reputation in the sector.",
    "Our people are at the heart of everything we do, and we invest in their development.",
    "Founded over twenty years ago, we now serve customers right across the UK.",
    "We value diversity & inclusion and welcome applications from all backgrounds.",
)

REQUIREMENTS: tuple[str, ...] = (
    "The ideal candidate will have proven experience in a similar role.",
    "Excellent communication skills and a positive, can-do attitude are essential.",
    "You will be highly organised, with strong attention to detail.",
    "A full UK driving licence is desirable but not essential.",
    "Relevant qualifications are an advantage; full training will be provided.",
    "You must be able to work flexibly, including some evenings & weekends.",
    "An enhanced DBS check will be required for this role.",
)

BENEFITS: tuple[str, ...] = (
    "In return we offer generous annual leave, a contributory pension and free parking.",
    "Benefits include flexible working, private healthcare and a cycle-to-work scheme.",
    "You will receive ongoing training, career progression and an employee discount.",
    "We offer hybrid working, a wellbeing programme and a friendly team café.",
)

APPLY: tuple[str, ...] = (
    "To apply, please send your CV and a covering letter.",
    "Please apply online with an up to date CV.",
    "If this sounds like you, click apply today.",
    "Interested? Apply now and a member of our team will be in touch.",
)

NO_COMPANY = ("our client", "a leading employer", "a well established business")

MONTHS: tuple[str, ...] = ("January", "February", "March", "April", "May", "June", "July",
                           "August", "September", "October", "November", "December")
WEEKDAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                             "Saturday", "Sunday")
