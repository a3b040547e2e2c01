/*
 * auth.h - staff passwords (libscrypt) and accounts.
 */
#ifndef ZJ_AUTH_H
#define ZJ_AUTH_H

#include <libscrypt.h>
#include <stddef.h>

struct actor;
struct arena;
struct db;

/*
 * scrypt parameters for new hashes, from the OWASP password storage list,
 * sized for a 512 MB VPS: N=2^15, r=8, p=3 (128*N*r = 32 MiB per login).
 */
#define PW_SCRYPT_LOGN 15
#define PW_SCRYPT_R 8
#define PW_SCRYPT_P 3
#define PW_MIN_LEN 12        /* OWASP ASVS 2.1.1 */

/* Hash pw into out (an MCF string).  Returns 0, or -1 on failure. */
int auth_hash_password(const char *pw, char out[SCRYPT_MCF_LEN]);

/* 1 when pw matches the MCF hash, 0 when not, -1 on a malformed hash. */
int auth_check_password(const char *mcf, const char *pw);

/* 1 when the hash was made with other parameters than the ones above. */
int auth_needs_rehash(const char *mcf);

/*
 * NULL when pw is acceptable for account user, else the reason in Chinese
 * (shorter than PW_MIN_LEN characters, the account's own name, starting
 * with the site's name "zhijia", one of the most common passwords).
 */
const char *auth_password_problem(const char *user, const char *pw);

/*
 * What makes a new account acceptable before it is hashed and stored:
 * its name, role (admin, reviewer or legal) and password.  Returns 0, or
 * -1 with the reason in err.
 */
int auth_account_check(const char *name, const char *role, const char *pw,
    char *err, size_t errlen);

/* A new staff account (account_add). */
struct account_new {
	const char *username, *role;
	const char *district;    /* a district code, or NULL/"" for all */
	const char *hash;        /* the password's MCF hash */
	int must_change;         /* a new password is owed at first login */
	const char *why;         /* set when refused: "no such district" */
};

/*
 * A store_fn (store.h) adding arg, a struct account_new, inside the
 * caller's transaction, with the audit entry account.create by who (none
 * when who is NULL: the first account, made with the database).
 * Returns SQLITE_DONE; SQLITE_NOTFOUND with why set for an unknown
 * district; SQLITE_CONSTRAINT_UNIQUE for a name taken; or the failing
 * SQLite code.  Also job "account.add" (auth_jobs).
 */
int account_add(struct db *db, const struct actor *who, struct arena *a,
    void *arg);

/* What the staff desk and the admin commands do to an account. */
enum account_op {
	ACCOUNT_DISABLE,  /* 停用 (zhijia lock): ends its sessions */
	ACCOUNT_ENABLE,   /* 启用, and lifts a lockout */
	ACCOUNT_RESET,    /* a temporary password: a new one is owed at the
	                     next login; unlocks; ends its sessions */
	ACCOUNT_PASSWD,   /* zhijia passwd: a password of its own; unlocks;
	                     ends its sessions */
};

struct account_change {
	enum account_op op;
	long long id;            /* the account */
	const char *username;    /* its name: the audit entry's target */
	const char *hash;        /* RESET, PASSWD: the new password's MCF hash */
	const char *detail;      /* the audit entry's detail ("" or NULL: none) */
};

/*
 * A store_fn (store.h) making arg, a struct account_change, inside the
 * caller's transaction: the account's row, the end of its sessions when
 * the change ends them, and the audit entry by who.  Returns SQLITE_DONE
 * or the failing SQLite code.
 */
int account_change(struct db *db, const struct actor *who, struct arena *a,
    void *arg);

/*
 * The dummy hash: a wrong name costs the same scrypt time as a wrong
 * password.  auth_dummy_init makes it (once; serve calls it before the
 * workers fork, so no login pays for it): 0, or -1 when scrypt failed.
 * auth_dummy_hash returns it, made then when it was not (plain CGI, one
 * request per process, makes it only when a login asks); "" on failure.
 */
int auth_dummy_init(void);
const char *auth_dummy_hash(void);

/*
 * At most auth_slots() scrypt computations at once across every process
 * (ZHIJIA_SCRYPT_SLOTS, default one per core, at most AUTH_SLOTS_MAX):
 * a slot is the flock of one of the files dir/scrypt-slot-N, so a
 * process that dies gives its slot back.  auth_slot_take returns 0 with
 * a slot held (held already: 0 too), or -1 when every slot is taken (or
 * a file cannot be opened: logged): then do not hash.  auth_slot_give
 * gives it back (none held: nothing).
 */
#define AUTH_SLOTS_MAX 64
int auth_slots(void);
int auth_slot_take(const char *dir);
void auth_slot_give(void);

/* Inside a write: forget the login failures of the name typed as
 * username (page-staff-login.c keeps them).  SQLITE_DONE or the code. */
int login_failures_forget_user(struct db *db, const char *username);

#endif
