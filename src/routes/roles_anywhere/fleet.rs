//! A fleet on the Roles Anywhere route: one trust anchor for every workload (its answers are
//! shared ones), and a profile per workload or per group. Workloads that name the same profile
//! share it: it lists each of their roles, so they must agree on what the profile is, and it
//! holds only so many roles. Sharing a profile opens no role to another workload: each role's
//! trust policy still admits only its own SPIFFE ID (verify's isolation check proves it).

use super::MAX_PROFILE_ROLES;
use crate::answers::fleet::FleetWorkload;
use crate::answers::plan::Plan;
use crate::answers::problem::{Advice, Location, Problem};
use crate::answers::steps::FieldId;
use std::collections::BTreeMap;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GroupError {
    #[error(
        "workloads[{index}] ({name}) names the same profile with durationSeconds {theirs}: one profile has one duration"
    )]
    Duration {
        index: usize,
        name: String,
        theirs: u64,
    },
    #[error("workloads[{index}] ({name}) names the same profile with the ARN {theirs}")]
    Arn {
        index: usize,
        name: String,
        theirs: String,
    },
    #[error(
        "{count} workloads name the profile {profile:?}; a profile lists at most {MAX_PROFILE_ROLES} roles (API reference, ProfileDetail roleArns)"
    )]
    TooManyRoles { profile: String, count: usize },
}

impl Advice for GroupError {
    fn fix(&self) -> String {
        match self {
            Self::Duration { theirs, .. } => format!(
                "give every workload of the profile roles_anywhere.profile_duration {theirs} (or set it once at the top), or give this workload its own roles_anywhere.profile_name"
            ),
            Self::Arn { .. } => "give the profile's ARN once at the top (roles_anywhere.profile_arn), or give this workload its own roles_anywhere.profile_name".into(),
            Self::TooManyRoles { .. } => format!(
                "split the workloads over profiles of at most {MAX_PROFILE_ROLES} (roles_anywhere.profile_name per workload)"
            ),
        }
    }
}

/// One profile of the fleet and the workloads whose roles it lists, in the file's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileGroup<'a> {
    pub name: &'a str,
    pub members: Vec<usize>,
}

/// The profiles of a set of workloads, in the order they first appear; `members` index `plans`.
pub fn profile_groups<'a>(plans: &[&'a Plan]) -> Vec<ProfileGroup<'a>> {
    let mut groups: Vec<ProfileGroup<'a>> = Vec::new();
    let mut at: BTreeMap<&str, usize> = BTreeMap::new();
    for (member, plan) in plans.iter().enumerate() {
        let Some(ra) = &plan.roles_anywhere else {
            continue;
        };
        let name = ra.profile_name.as_str();
        match at.get(name) {
            Some(&group) => groups[group].members.push(member),
            None => {
                at.insert(name, groups.len());
                groups.push(ProfileGroup {
                    name,
                    members: vec![member],
                });
            }
        }
    }
    groups
}

/// The profiles a fleet creates (those without an existing profile's ARN) against the region's
/// quota: over its default, a warning naming the quota to raise.
pub fn warnings(workloads: &[FleetWorkload]) -> Vec<String> {
    let plans: Vec<&Plan> = workloads.iter().map(|w| &w.plan).collect();
    let created = profile_groups(&plans)
        .iter()
        .filter(|group| {
            plans[group.members[0]]
                .roles_anywhere
                .as_ref()
                .is_some_and(|ra| ra.profile_arn.is_none())
        })
        .count();
    let quota = crate::domain::quotas::ROLES_ANYWHERE_PROFILES;
    match quota.fit(created) {
        crate::domain::quotas::Fit::Within => Vec::new(),
        _ => vec![format!(
            "the fleet creates {created} {}: over AWS's default quota of {}, so the apply stops part way unless the region's was raised; {}",
            quota.what,
            quota.default,
            quota.raise()
        )],
    }
}

/// What the workloads of a shared profile must agree on, each problem at the field of the
/// workload (by its index in the file) that disagrees with the profile's first workload.
pub fn problems(workloads: &[(usize, FleetWorkload)]) -> Vec<(usize, Problem)> {
    let plans: Vec<&Plan> = workloads.iter().map(|(_, w)| &w.plan).collect();
    let mut problems = Vec::new();
    for group in profile_groups(&plans) {
        let (first_index, first) = &workloads[group.members[0]];
        let Some(first_ra) = &first.plan.roles_anywhere else {
            continue;
        };
        for &member in &group.members[1..] {
            let (index, workload) = &workloads[member];
            let Some(ra) = &workload.plan.roles_anywhere else {
                continue;
            };
            if ra.profile_duration != first_ra.profile_duration {
                let error = GroupError::Duration {
                    index: *first_index,
                    name: first.name.clone(),
                    theirs: first_ra.profile_duration,
                };
                let value = ra.profile_duration.to_string();
                let location = Location::Field(FieldId::ProfileDuration);
                problems.push((*index, Problem::new(location, Some(&value), &error)));
            }
            if ra.profile_arn != first_ra.profile_arn {
                let error = GroupError::Arn {
                    index: *first_index,
                    name: first.name.clone(),
                    theirs: first_ra.profile_arn_or_pending().to_owned(),
                };
                let location = Location::Field(FieldId::RaProfileArn);
                let value = ra.profile_arn_or_pending().to_owned();
                problems.push((*index, Problem::new(location, Some(&value), &error)));
            }
        }
        if group.members.len() > MAX_PROFILE_ROLES {
            let (index, _) = &workloads[group.members[MAX_PROFILE_ROLES]];
            let error = GroupError::TooManyRoles {
                profile: group.name.to_owned(),
                count: group.members.len(),
            };
            let location = Location::Field(FieldId::RaProfileName);
            problems.push((*index, Problem::new(location, Some(group.name), &error)));
        }
    }
    problems
}
